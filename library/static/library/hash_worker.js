// A Web Worker hashing files for the import page: streaming SHA-256 (hash-wasm's WebAssembly), read
// a piece at a time, so any size hashes in constant memory (crypto.subtle.digest takes the whole file
// at once and fails past 2 GB). Asked {id, file}; answers {id, sha256}, {id, error} when the file
// cannot be read, or {id, unavailable} when no hasher can be made here (no WebAssembly).
"use strict";

importScripts("vendor/hash-wasm-4.13.0/sha256.umd.min.js");

const READ_BYTES = 8 * 1024 * 1024;
let hasher = null;

self.onmessage = async ({ data: { id, file } }) => {
  try {
    hasher = hasher || await self.hashwasm.createSHA256();
  } catch (error) {
    self.postMessage({ id, unavailable: String((error && error.message) || error) });
    return;
  }
  try {
    hasher.init();
    for (let offset = 0; offset < file.size; offset += READ_BYTES) {
      hasher.update(new Uint8Array(await file.slice(offset, offset + READ_BYTES).arrayBuffer()));
    }
    self.postMessage({ id, sha256: hasher.digest("hex") });
  } catch (error) {
    self.postMessage({ id, error: String((error && error.message) || error) });
  }
};
