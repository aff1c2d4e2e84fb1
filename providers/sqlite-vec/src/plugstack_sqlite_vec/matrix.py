"""`VectorMatrix`: one index's vectors in memory, searched by sign bits then rescored exactly.

An exact scan reads every float32 vector (about 150 MB a query at 100k chunks of 384
dimensions) and is bound by memory bandwidth. Here a coarse pass compares one bit per
dimension (the sign; 48 bytes a vector) by Hamming distance, keeps ``oversample * k``
candidates, and orders those by their exact cosine similarity from the float32 copy. Bits are
kept word-major (one contiguous row per 64-bit word) so the pass is a few vectorised sweeps.
Only the candidates' order can differ from an exact search, never their scores.
"""

import numpy as np
import numpy.typing as npt

WORD_BITS = 64
INITIAL_CAPACITY = 1024


def _unit(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


def _sign_words(vectors: npt.NDArray[np.float32], words: int) -> npt.NDArray[np.uint64]:
    """(words, n): each vector's sign bits, padded to whole 64-bit words."""
    bits = np.packbits(vectors > 0, axis=-1)
    padded = np.zeros((*bits.shape[:-1], words * 8), dtype=np.uint8)
    padded[..., : bits.shape[-1]] = bits
    return padded.view(np.uint64).T


class VectorMatrix:
    """The unit vectors of one index keyed by row id, in insertion order up to deletions."""

    def __init__(self, dimension: int) -> None:
        self._words = -(-dimension // WORD_BITS)
        self._ids = np.zeros(INITIAL_CAPACITY, dtype=np.int64)
        self._vectors = np.zeros((INITIAL_CAPACITY, dimension), dtype=np.float32)
        self._signs = np.zeros((self._words, INITIAL_CAPACITY), dtype=np.uint64)
        self._positions: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._positions)

    def _reserve(self, size: int) -> None:
        capacity = len(self._ids)
        if size <= capacity:
            return
        while capacity < size:
            capacity *= 2
        count = len(self)
        ids, vectors, signs = self._ids, self._vectors, self._signs
        self._ids = np.zeros(capacity, dtype=np.int64)
        self._vectors = np.zeros((capacity, vectors.shape[1]), dtype=np.float32)
        self._signs = np.zeros((self._words, capacity), dtype=np.uint64)
        self._ids[:count], self._vectors[:count], self._signs[:, :count] = (
            ids[:count],
            vectors[:count],
            signs[:, :count],
        )

    def add(self, ids: list[int], vectors: npt.NDArray[np.float32]) -> None:
        """Adds rows; the ids must not be present."""
        start = len(self)
        end = start + len(ids)
        self._reserve(end)
        unit = _unit(vectors)
        self._ids[start:end] = ids
        self._vectors[start:end] = unit
        self._signs[:, start:end] = _sign_words(unit, self._words)
        self._positions.update(zip(ids, range(start, end), strict=True))

    def remove(self, ids: list[int]) -> None:
        """Removes the rows that are present; the last row moves into each hole."""
        for row_id in ids:
            position = self._positions.pop(row_id, None)
            if position is None:
                continue
            last = len(self)
            if position != last:
                moved = int(self._ids[last])
                self._ids[position] = moved
                self._vectors[position] = self._vectors[last]
                self._signs[:, position] = self._signs[:, last]
                self._positions[moved] = position

    def _hamming(self, query_signs: npt.NDArray[np.uint64], count: int) -> npt.NDArray[np.uint16]:
        distances = np.zeros(count, dtype=np.uint16)
        for word in range(self._words):
            distances += np.bitwise_count(self._signs[word, :count] ^ query_signs[word, 0])
        return distances

    def search(
        self, query: list[float], k: int, oversample: int, allowed: npt.NDArray[np.int64] | None
    ) -> list[tuple[int, float]]:
        """The ``k`` rows (id, cosine similarity) nearest ``query``, among ``allowed`` ids if given."""
        count = len(self)
        unit = _unit(np.asarray(query, dtype=np.float32))
        candidates = k * oversample
        mask = None if allowed is None else np.isin(self._ids[:count], allowed)
        if mask is not None and int(mask.sum()) <= candidates:
            positions = np.flatnonzero(mask)
        elif count <= candidates:
            positions = np.arange(count)
        else:
            distances = self._hamming(_sign_words(unit[None, :], self._words), count)
            if mask is not None:
                distances[~mask] = np.iinfo(np.uint16).max
            positions = np.argpartition(distances, candidates)[:candidates]
        scores = self._vectors[positions] @ unit
        best = np.argsort(-scores, kind="stable")[:k]
        return [(int(self._ids[positions[i]]), float(scores[i])) for i in best]
