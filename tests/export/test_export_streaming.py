"""Writers stream: memory does not grow with the number of samples.

Peak traced memory for every format at once is measured for a small and a 6x larger stream of
samples; if any writer kept its rows, the larger run would need megabytes more (each sample fans
out to ~10 rows of ~150-400 bytes). tracemalloc slows writing several-fold, so the sizes stay small;
the same holds at 200k samples (see the report of the export work).
"""

import tracemalloc

from characterkit.export import export_samples
from characterkit.records import Sample, Turn


def _stream(n):
    for i in range(n):
        yield Sample(id=f"s-{i}", character="Mara" if i % 2 else "Jon",
                     context=[Turn("Jon", f"Line number {i}, said plainly."), Turn(None, "It rains.")],
                     reply=f"Reply number {i}, with a few more words.", split="val" if i % 20 == 0 else "train")


def _peak_bytes(folder, n):
    tracemalloc.start()
    try:
        export_samples(_stream(n), folder, "Mara", None)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_stream(tmp_path):
    small = _peak_bytes(tmp_path / "small", 500)
    large = _peak_bytes(tmp_path / "large", 3000)
    written = sum(p.stat().st_size for p in (tmp_path / "large").rglob("*") if p.is_file())
    assert written > 2_000_000  # the large run really wrote megabytes...
    assert large < small + 200_000  # ...with the same peak memory, give or take allocator noise
