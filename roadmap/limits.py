"""How much of a file the decree readers accept, so that no input can exhaust memory.

A decree is small: the seed is 31 KB of text with 44 rows, and the largest regional roadmaps
have a few hundred rows.  Every bound below is far above what a real decree needs and far
below what would hurt a 2-core machine shared by several processes (the readers stay within
some 100 MB over the interpreter whatever they are given).  Every bound is checked before
the data it guards is read or kept, and exceeding one is a ``DocumentError`` that names it.
"""

from __future__ import annotations

MiB = 1024 * 1024

# Plain text: read a chunk at a time, never whole.
MAX_TEXT_BYTES = 8 * MiB  # 250 times the seed
MAX_TEXT_LINES = 200_000  # the seed has 89 lines
MAX_PREAMBLE_LINES = 20_000  # lines before the plan's header row
READ_CHUNK = 64 * 1024

# The plan table, whatever the format.
MAX_CELLS = 100  # cells in one row (tab-separated): a line with more is not a table row
MAX_ITEMS = 2_000  # numbered rows (the seed has 44, large plans a few hundred)
MAX_ROW_LINES = 1_000  # lines (or table rows) one item may span
MAX_REPORTED_LINES = 20  # «ignored line» warnings listed one by one, the rest counted

# .docx (a zip package): checked on the central directory before anything is decompressed.
MAX_ZIP_DIRECTORY = 1 * MiB  # size of the central directory (≈ 10,000 entries)
MAX_ZIP_ENTRIES = 1_000  # Word writes 10–30 parts, plus one per picture
MAX_NAME_DEPTH = 16  # folders in a part's name (Word nests three: customXml/_rels/item1.xml.rels)
MAX_NAME_LENGTH = 1_000  # characters of a part's name
MAX_XML_PART = 16 * MiB  # uncompressed size of one XML part (document.xml, styles.xml …)
MAX_XML_TOTAL = 24 * MiB  # all XML parts together
MAX_XML_RATIO = 200  # uncompressed : compressed for an XML part over RATIO_FLOOR
RATIO_FLOOR = 1 * MiB
MAX_XML_NODES = 250_000  # elements and attributes of all XML parts (~3,000 rows as Word writes
# them); parsed, each costs libxml2 and python-docx some 150–250 bytes
MAX_XML_DEPTH = 200  # nesting of elements (Word nests tables in tables, not much more)

# Other formats.  HTML is parsed whole by libxml2 (which refuses nesting over 256 levels);
# a PDF is read a page at a time, its streams' inflated sizes checked before any is parsed.
MAX_HTML_BYTES = 16 * MiB  # a portal page with its plan is some 100–500 KB
MAX_TABLE_ROWS = 20_000  # rows of one table (a plan of MAX_ITEMS items spans a few each)
MAX_PDF_BYTES = 32 * MiB  # the seed printed is ~60 KB; scans are refused anyway
MAX_PDF_PAGES = 300  # a decree with its plan runs to some 5–50 pages
MAX_PDF_INFLATED = 64 * MiB  # all Flate streams of a PDF together, once inflated
MAX_PDF_CHARS = 2_000_000  # characters of the text layer, all pages together
MAX_RTF_BYTES = 16 * MiB  # RTF is verbose: the seed as RTF is some 200 KB
MAX_CONVERTED_BYTES = 32 * MiB  # a .doc handed to LibreOffice, and what it gives back
