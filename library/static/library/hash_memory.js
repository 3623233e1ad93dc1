// The import page's memory of files it has met: each file's SHA-256 under its path, size and time
// (IndexedDB), so a folder imported before is not read again to learn what it holds. Hashing a file
// means reading all of it (the 1.2 GB bench folder: about 4 s of both cores), while recalling
// takes milliseconds; the page then asks the server about the recalled hashes as about any.
//
// A hash comes from the page's own hashing or from the server's answer to an upload (its hash of the
// bytes it received). Like rsync's quick check, a file rewritten with the same size and time keeps
// the hash it had: it would count as the file it was. Where IndexedDB cannot be opened (some private
// windows), nothing is recalled and nothing kept.
(() => {
  "use strict";

  const DATABASE = "photosite-import";
  const STORE = "file-hashes";
  let opened = null;

  function open() {
    opened = opened || new Promise((resolve) => {
      let request;
      try {
        request = indexedDB.open(DATABASE, 1);
      } catch (error) {
        resolve(null);
        return;
      }
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => resolve(null);
      request.onblocked = () => resolve(null);
    });
    return opened;
  }

  function key(file, path) {
    return `${file.size}:${file.lastModified}:${path}`;
  }

  // One transaction for the whole list; `done(transaction)` runs the requests, `finish()` answers.
  async function inTransaction(mode, done, finish) {
    const database = await open();
    if (!database) return finish();
    return new Promise((resolve) => {
      let transaction;
      try {
        transaction = database.transaction(STORE, mode);
        done(transaction.objectStore(STORE));
      } catch (error) {
        resolve(finish());
        return;
      }
      transaction.oncomplete = () => resolve(finish());
      transaction.onerror = () => resolve(finish());
      transaction.onabort = () => resolve(finish());
    });
  }

  // A Map from each of `files` whose hash is remembered to that hash; `pathOf(file)` names it.
  function recall(files, pathOf) {
    const found = new Map();
    return inTransaction("readonly", (store) => {
      for (const file of files) {
        const request = store.get(key(file, pathOf(file)));
        request.onsuccess = () => {
          if (typeof request.result === "string") found.set(file, request.result);
        };
      }
    }, () => found);
  }

  // Keeps each [file, path, sha256] of `entries`.
  function remember(entries) {
    if (!entries.length) return Promise.resolve();
    return inTransaction("readwrite", (store) => {
      for (const [file, path, sha256] of entries) store.put(sha256, key(file, path));
    }, () => undefined);
  }

  window.PhotositeHashMemory = { recall, remember };
})();
