// A Web Worker hashing files for the import page. Asked {id, file}; answers {id, sha256}, {id, error}
// when the file cannot be read, or {id, unavailable} when no hasher can run here.
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
const native = self.crypto && self.crypto.subtle;
let streaming = null;

self.onmessage = async ({ data: { id, file } }) => {
  let hash;
  try {
    hash = native && file.size <= WHOLE_FILE_MAX_BYTES ? hashWhole : await streamingHasher();
  } catch (error) {
    self.postMessage({ id, unavailable: describe(error) });
    return;
  }
  try {
    self.postMessage({ id, sha256: await hash(file) });
  } catch (error) {
    self.postMessage({ id, error: describe(error) });
  }
};

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
