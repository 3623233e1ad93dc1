// A Web Worker hashing files for the import page. Asked {id, file, edges}; answers {id, sha256}, {id, error}
// when the file cannot be read, or {id, unavailable} when no hasher can run here. With `edges` the hash is
// the file's edge hash: the SHA-256 of its first and last EDGE_BYTES only (a file of at most twice that is
// taken whole, so there it is the file's SHA-256) — the rule of library/importing/edge_hash.py, which the
// server keeps for every photo: files of one size whose edges differ are different files.
//
// Any size hashes in constant memory: hash-wasm's streaming SHA-256 (WebAssembly), fed a piece at a
// time, the next piece read while this one is hashed. crypto.subtle.digest cannot stream (it takes a
// whole file, and fails past 2 GB), but it is the browser's native SHA-256, several times faster: a
// file of at most WHOLE_FILE_MAX_BYTES (a photo) is read whole and hashed by it, where the page is a
// secure context (https, localhost) that has it. Memory stays bounded by that size per worker.
"use strict";

importScripts("vendor/hash-wasm-4.13.0/sha256.umd.min.js");

const READ_BYTES = 8 * 1024 * 1024;
const WHOLE_FILE_MAX_BYTES = 32 * 1024 * 1024;
const EDGE_BYTES = 64 * 1024;
const native = self.crypto && self.crypto.subtle;
let streaming = null;

self.onmessage = async ({ data: { id, file, edges } }) => {
  const read = edges ? edgesOf(file) : file;
  let hash;
  try {
    hash = native && read.size <= WHOLE_FILE_MAX_BYTES ? hashWhole : await streamingHasher();
  } catch (error) {
    self.postMessage({ id, unavailable: describe(error) });
    return;
  }
  try {
    self.postMessage({ id, sha256: await hash(read) });
  } catch (error) {
    self.postMessage({ id, error: describe(error) });
  }
};

// The file's first EDGE_BYTES and its last EDGE_BYTES after them (no byte twice): nothing is read yet.
function edgesOf(file) {
  return new Blob([file.slice(0, EDGE_BYTES), file.slice(Math.max(EDGE_BYTES, file.size - EDGE_BYTES))]);
}

async function hashWhole(file) {
  const digest = new Uint8Array(await native.digest("SHA-256", await file.arrayBuffer()));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function streamingHasher() {
  const hasher = streaming || (streaming = await self.hashwasm.createSHA256());
  return async (file) => {
    const read = (offset) => file.slice(offset, offset + READ_BYTES).arrayBuffer();
    hasher.init();
    let next = read(0);
    for (let offset = 0; offset < file.size; offset += READ_BYTES) {
      const piece = await next;
      if (offset + READ_BYTES < file.size) next = read(offset + READ_BYTES);
      hasher.update(new Uint8Array(piece));
    }
    return hasher.digest("hex");
  };
}

function describe(error) {
  return String((error && error.message) || error);
}
