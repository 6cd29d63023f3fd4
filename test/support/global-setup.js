/**
 * Runs once before any test file; what it removes from the environment no spawned kpt or
 * function sees. kpt hands its own environment to `exec:` functions, and node loads the whole
 * bundle named by NODE_EXTRA_CA_CERTS (a system CA file, where it is set) at every start: about
 * 50 ms of CPU per function call, on every render of every suite. The functions need no extra CA
 * (the ledger's is `ledgerCAFile`), and the README renders the same way
 * (`env -u NODE_EXTRA_CA_CERTS kpt fn render`).
 */
module.exports = async () => {
  delete process.env.NODE_EXTRA_CA_CERTS;
};
