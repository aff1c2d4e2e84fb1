"""The llama.cpp that `make` installs runs on every x86-64-v3 machine (issue 9).

A build made with GGML_NATIVE on an AVX-512 + AMX Xeon segfaulted there and cannot run on
AVX2-only machines; the Makefile builds for a fixed baseline instead. This checks the
installed libraries statically, so it holds whichever kind of machine runs the suite.
"""

import platform
import re
import shutil
import subprocess
from pathlib import Path

import llama_cpp
import pytest

# AMX tile instructions, and any use of the AVX-512 register file.
BEYOND_BASELINE = re.compile(r"\b(tileloadd|tileloaddt1|tdpbssd|tdpbsud|tdpbusd|tdpbuud|tdpbf16ps|tdpfp16ps)\b|%zmm")


@pytest.mark.skipif(platform.machine() != "x86_64" or shutil.which("objdump") is None, reason="x86-64 + objdump")
def test_the_installed_llama_cpp_uses_nothing_beyond_avx2() -> None:
    libraries = sorted(Path(llama_cpp.__file__).parent.joinpath("lib").glob("libggml-cpu*.so*"))
    assert libraries, "llama_cpp ships no libggml-cpu library"
    for library in libraries:
        disassembly = subprocess.run(
            ["objdump", "-d", "--no-show-raw-insn", str(library)], capture_output=True, text=True, check=True
        ).stdout
        beyond = {match.group(0) for match in BEYOND_BASELINE.finditer(disassembly)}
        assert not beyond, f"{library.name} uses instructions beyond x86-64-v3: {sorted(beyond)}"
        assert re.search(r"%ymm", disassembly), f"{library.name} has no AVX2 code at all"
