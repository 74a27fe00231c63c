"""The clustering after the decoding costs less, with the same answers (issue #15: the hour's wall time).
On the hour's voiceprints the clustering took 3.3-3.6 CPU s on one BLAS thread (as the worker runs it):
the full eigen-decomposition of the 1,200 x 1,200 Laplacian (0.67 s) where only the 10 smallest
eigenvectors are used, k-means distances broadcast over the 192 dimensions of each voiceprint, and
scipy's first import (~0.7 s) made in the tail. diarq28: 1.3-1.6 s, the hour's 129 turns the same.
Measured again beside each other (session 28, one BLAS thread): 2.7-3.0 s before, 1.2 s with the partial
decomposition alone, 1.5-1.7 s now: the hour's graph falls in four parts, whose tied eigenvalues take
the full decomposition (review 2: a tie gave another basis, and another speaker count)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from app.core.diarize import cluster, engine
from app.core.media.decode import read_all
from tests.conftest import MEDIA

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def voiceprints(speaker_model) -> np.ndarray:
    """The test interview's 1.5 s windows' CAM++ voiceprints (two voices)."""
    audio = read_all(str(MEDIA / "interview_mono.wav"))[0]
    collector = engine.Collector(engine.load_embedder(speaker_model), engine.segmenter_for(speaker_model))
    regions, frames = engine.scan(audio, collector.segmenter)
    collector.take(audio, 0, regions, frames)
    return np.concatenate(collector.parts)


def _full_vectors(emb: np.ndarray) -> np.ndarray:
    """Every eigenvector of the same Laplacian, by numpy's full decomposition (main's code)."""
    return np.linalg.eigh(cluster._laplacian(emb))[1]


def _separate_groups(seed: int, sizes: tuple[int, ...] = (12, 10, 8)) -> np.ndarray:
    """Float32 unit voiceprints in tight groups at cosine 0 to each other: the pruned affinity
    links none of them, so the Laplacian's 0 eigenvalue comes once per group."""
    rng = np.random.default_rng(seed)
    centres = np.linalg.qr(rng.standard_normal((192, len(sizes))))[0].T
    emb = np.concatenate([c + 0.3 * rng.standard_normal((m, 192)) / np.sqrt(192) for c, m in zip(centres, sizes)])
    return (emb / np.linalg.norm(emb, axis=1, keepdims=True)).astype(np.float32)


@pytest.mark.parametrize("count", [2, 5, 10])
def test_only_the_smallest_eigenvectors_are_computed_and_they_span_the_full_ones(voiceprints, count):
    part = cluster._laplacian_vectors(voiceprints, count)
    assert part.shape == (len(voiceprints), count)  # not all n of them
    full = _full_vectors(voiceprints)[:, :count]
    assert np.abs(full - part @ (part.T @ full)).max() < 1e-8  # the same subspace
    assert np.array_equal(cluster.kmeans(part, count), cluster.kmeans(full, count))  # and the same split


def test_groups_apart_split_in_two_as_the_full_decomposition_splits_them():
    """Review 2: three groups apart (0 three times over), two vectors asked: the partial decomposition
    (syevr) gave another basis of the null space than the full one (syevd), and k-means split the groups
    otherwise (a 3-minute reading: 2 speakers -> 1; here 4 of 20). A tie now takes the full one, as before."""
    differ = []
    for seed in range(20):
        emb = _separate_groups(seed)
        assert np.sum(np.linalg.eigvalsh(cluster._laplacian(emb)) < 1e-9) == 3
        if not np.array_equal(cluster.kmeans(cluster._laplacian_vectors(emb, 2), 2),
                              cluster.kmeans(_full_vectors(emb)[:, :2], 2)):
            differ.append(seed)
    assert differ == []


@pytest.mark.parametrize("k", [2, 3, 6])
def test_each_voiceprint_goes_to_the_centre_nearest_by_euclidean_distance(voiceprints, k):
    """As k-means runs it: float32 voiceprints, the centres their groups' means (float32 too)."""
    assert voiceprints.dtype == np.float32
    groups = np.array_split(np.arange(len(voiceprints)), k)
    centres = np.stack([voiceprints[g].mean(axis=0) for g in groups])
    distances = ((voiceprints[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    assert np.array_equal(cluster.nearest_centre(voiceprints, centres), distances.argmin(axis=1))


def test_the_speaker_search_imports_scipy_before_its_first_block_and_a_stopped_one_nothing(speaker_model):
    """scipy.linalg is imported on the search's own thread before the first block is read (beside the
    decoding), not first in the clustering after the decoding has ended. scipy.stats (0.55-0.65 CPU s) is
    not: only the pitch test asks for it, and a search that needs none (here: no speech) never imports it.
    A search stopped while its models loaded (its run failed its check) imports nothing and reads no block:
    it used to import scipy (0.7-1.6 CPU s, not stoppable) and decode a 30 s block of the changed file
    before it saw the stop."""
    code = textwrap.dedent(f"""
        import sys
        import numpy as np
        from app.core.diarize import stream
        read, stop = [], []
        def blocks():
            read.append("scipy.linalg" in sys.modules)
            yield np.zeros(16000, dtype=np.float32)
        real_load = stream.load_embedder
        stream.load_embedder = lambda *args: stop.append(True) or real_load(*args)  # the run fails meanwhile
        try:
            stream.diarize_blocks(blocks(), {str(speaker_model)!r}, should_stop=lambda: bool(stop))
        except stream.DiarisationStopped:
            pass
        print(read, "scipy.stats" in sys.modules, "scipy.linalg" in sys.modules)
        stream.diarize_blocks(blocks(), {str(speaker_model)!r}, should_stop=lambda: False)
        print(read, "scipy.stats" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.splitlines() == ["[] False False", "[True] False"]


def test_a_recording_past_one_buffer_imports_the_pitch_test_beside_the_decoding(speaker_model):
    """Past one buffer (120 s) the pitch test's scipy.stats is imported between blocks, beside the decoding,
    as before session 32 (longer recordings ask for it more often: 10 of 26 cached ones over 2 min); a
    recording that fills no buffer leaves it to the clustering, which imports it only if asked."""
    code = textwrap.dedent(f"""
        import sys
        import numpy as np
        from app.core.diarize import stream
        read = []
        def blocks():
            for _ in range(5):  # 30 s blocks: the fourth fills the 120 s buffer
                read.append("scipy.stats" in sys.modules)
                yield np.zeros(30 * 16000, dtype=np.float32)
        stream.diarize_blocks(blocks(), {str(speaker_model)!r})
        print(read)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.splitlines() == ["[False, False, False, False, True]"]
