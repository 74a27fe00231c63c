"""What a CTranslate2 model.bin says about itself, read from its header without loading it.

CTranslate2 loads a model whose shared_vocabulary.json belongs to another model without a
word, and then decodes token ids into the wrong pieces: fluent, invented text. The output
layer's row count is the size of the vocabulary the weights were trained with, so a folder
whose vocabulary has another size is refused before any work. A model.bin cut short (a
truncated copy) is refused too. The layout read here is the one CTranslate2's
ModelSpec.save writes (binary versions 4 to 6); anything else is left to CTranslate2.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from app.core.errors import ModelError

OUTPUT_LAYER = "decoder/projection/weight"
KNOWN_VERSIONS = range(4, 7)


@dataclass(frozen=True)
class ModelHeader:
    version: int
    output_size: int | None  # rows of the output layer: the model's vocabulary size


class _Short(Exception):
    """The file ends inside its header or a variable."""


def _read(handle: BinaryIO, size: int) -> bytes:
    data = handle.read(size)
    if len(data) != size:
        raise _Short
    return data


def _u32(handle: BinaryIO) -> int:
    return struct.unpack("<I", _read(handle, 4))[0]


def _string(handle: BinaryIO) -> str:
    length = struct.unpack("<H", _read(handle, 2))[0]
    return _read(handle, length)[:-1].decode("utf-8", errors="replace")


def _variables(handle: BinaryIO, file_size: int) -> int | None:
    """Walk every variable (seeking over the data); the output layer's row count."""
    _string(handle)  # spec name
    _u32(handle)  # spec revision
    output_size = None
    for _ in range(_u32(handle)):
        name = _string(handle)
        rank = _read(handle, 1)[0]
        dims = struct.unpack(f"<{rank}I", _read(handle, 4 * rank))
        _read(handle, 1)  # dtype
        size = _u32(handle)
        if handle.seek(size, 1) > file_size:
            raise _Short
        if name == OUTPUT_LAYER and dims:
            output_size = dims[0]
    return output_size


def read_header(path: Path) -> ModelHeader | None:
    """The header of a model.bin; None for a layout this reader does not know.
    ModelError when the file is cut short."""
    file_size = path.stat().st_size
    with open(path, "rb") as handle:
        try:
            version = _u32(handle)
            if version not in KNOWN_VERSIONS:
                return None
            return ModelHeader(version, _variables(handle, file_size))
        except _Short:
            raise ModelError(f"{path}: the model file is cut short (an incomplete copy?)") from None
        except (struct.error, UnicodeError):
            return None


def check_vocabulary_size(model_bin: Path, vocabulary: list[str], vocabulary_file: Path) -> None:
    """ModelError (one line) when the vocabulary is not the one the weights were made with."""
    header = read_header(model_bin)
    if header is None or header.output_size is None or header.output_size == len(vocabulary):
        return
    raise ModelError(
        f"{vocabulary_file}: this vocabulary has {len(vocabulary)} entries but the model was made "
        f"with {header.output_size}: it belongs to another model (copy the folder whole)"
    )
