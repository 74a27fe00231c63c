"""The clustering after the decoding costs less, with the same answers (issue #15: the hour's wall time).
On the hour's voiceprints the clustering took 3.3-3.6 CPU s on one BLAS thread (as the worker runs it):
the full eigen-decomposition of the 1,200 x 1,200 Laplacian (0.67 s) where only the 10 smallest
eigenvectors are used, k-means distances broadcast over the 192 dimensions of each voiceprint, and
scipy's first import (~0.7 s) made in the tail. Now 1.3-1.6 s, the hour's 129 turns the same."""

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
    n = len(emb)
    affinity = np.clip(emb @ emb.T, 0.0, None).astype(np.float64)
    keep = min(n, max(cluster.KEEP_NEIGHBOURS, n - int((1 - cluster.PRUNE_SHARE) * n)))
    np.put_along_axis(affinity, np.argsort(affinity, axis=1, kind="stable")[:, : n - keep], 0.0, axis=1)
    affinity = 0.5 * (affinity + affinity.T)
    np.fill_diagonal(affinity, 0.0)
    return np.linalg.eigh(np.diag(affinity.sum(axis=1)) - affinity)[1]


@pytest.mark.parametrize("count", [2, 5, 10])
def test_only_the_smallest_eigenvectors_are_computed_and_they_span_the_full_ones(voiceprints, count):
    part = cluster._laplacian_vectors(voiceprints, count)
    assert part.shape == (len(voiceprints), count)  # not all n of them
    full = _full_vectors(voiceprints)[:, :count]
    assert np.abs(full - part @ (part.T @ full)).max() < 1e-8  # the same subspace
    assert np.array_equal(cluster.kmeans(part, count), cluster.kmeans(full, count))  # and the same split


@pytest.mark.parametrize("k", [2, 3, 6])
def test_each_voiceprint_goes_to_the_centre_nearest_by_euclidean_distance(voiceprints, k):
    centres = voiceprints[np.linspace(0, len(voiceprints) - 1, k).round().astype(int)].astype(np.float64)
    distances = ((voiceprints[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    assert np.array_equal(cluster.nearest_centre(voiceprints, centres), distances.argmin(axis=1))


def test_the_speaker_search_imports_scipy_before_its_first_block_and_a_stopped_one_nothing(speaker_model):
    """scipy is imported on the search's own thread before the first block is read (beside the decoding),
    not first in the clustering after the decoding has ended. A search stopped before it began (its run
    failed its check) imports nothing and reads no block: it used to import scipy (0.7-1.6 CPU s) and
    decode a 30 s block of the changed file before it saw the stop."""
    code = textwrap.dedent(f"""
        import sys
        import numpy as np
        from app.core.diarize.stream import DiarisationStopped, diarize_blocks
        read = []
        def blocks():
            read.append("scipy.stats" in sys.modules and "scipy.linalg" in sys.modules)
            yield np.zeros(16000, dtype=np.float32)
        try:
            diarize_blocks(blocks(), {str(speaker_model)!r}, should_stop=lambda: True)
        except DiarisationStopped:
            pass
        print(read, "scipy.stats" in sys.modules, "scipy.linalg" in sys.modules)
        diarize_blocks(blocks(), {str(speaker_model)!r}, should_stop=lambda: False)
        print(read)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.splitlines() == ["[] False False", "[True]"]
