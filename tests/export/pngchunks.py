"""Reading PNG tEXt chunks from the bytes, independently of Pillow (the writer), as card readers do."""

from pathlib import Path


def read_png_chunks(path: Path) -> dict[str, str]:
    """The tEXt chunks of a PNG, {keyword: text}, read from the bytes (no image library)."""
    import struct
    import zlib

    data = Path(path).read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG file")
    chunks, pos = {}, 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise ValueError(f"{path}: bad CRC in a {kind!r} chunk")
        if kind == b"tEXt":
            keyword, _, text = body.partition(b"\x00")
            chunks[keyword.decode("latin-1")] = text.decode("latin-1")
        pos += 12 + length
    return chunks
