"""Book, author, series and genre pages, browsing, fragments, import (catalogue issue). Being written."""
