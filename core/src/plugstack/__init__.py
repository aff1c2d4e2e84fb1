"""plugstack: assemble and serve AI application stacks from pluggable providers."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("plugstack")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"
