"""Pure thumbnail generators: a source file in, encoded thumbnail bytes out. No database, no
storage: the cache decides when to call them and where the bytes go."""
