"""Operations on the library that views, the admin and the import pipeline share."""
