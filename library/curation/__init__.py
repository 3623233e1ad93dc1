"""Operations on the library's photos that the import uses too — placing files without
overwriting, trash, moments, moves, redating, places — below the import, above the models."""
