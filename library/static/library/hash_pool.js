// The import page's hashing: a few Web Workers (hash_worker.js), each hashing one file at a time, so
// hashing the next files overlaps sending the ones already hashed. `hash(file)` resolves to the
// file's SHA-256 (lowercase hex), `hashEdges(file)` to its edge hash (of its first and last 64 KB),
// either to "" when no hasher can run here (the file is then sent unasked); they reject when the
// file cannot be read.
(() => {
  "use strict";

  class HashPool {
    constructor(workerUrl, size) {
      this.idle = [];
      this.waiting = [];
      this.pending = new Map();
      this.nextId = 0;
      for (let index = 0; index < size; index += 1) {
        const worker = new Worker(workerUrl);
        worker.onmessage = ({ data }) => this.answered(worker, data);
        this.idle.push(worker);
      }
    }

    hash(file) {
      return this.run(file, false);
    }

    hashEdges(file) {
      return this.run(file, true);
    }

    run(file, edges) {
      return new Promise((resolve, reject) => {
        this.waiting.push({ id: this.nextId += 1, file, edges, resolve, reject });
        this.dispatch();
      });
    }

    dispatch() {
      while (this.idle.length && this.waiting.length) {
        const job = this.waiting.shift();
        this.pending.set(job.id, job);
        this.idle.pop().postMessage({ id: job.id, file: job.file, edges: job.edges });
      }
    }

    answered(worker, { id, sha256, error, unavailable }) {
      const job = this.pending.get(id);
      this.pending.delete(id);
      this.idle.push(worker);
      this.dispatch();
      if (error) job.reject(new Error(error));
      else job.resolve(unavailable ? "" : sha256);
    }
  }

  window.PhotositeHashPool = HashPool;
})();
