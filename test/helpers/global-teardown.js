/** Removes the temporary INSANERES_HOME of global-setup.js (and only that one). */
const fs = require('fs');

module.exports = async function globalTeardown() {
  const home = process.env.INSANERES_TEST_HOME;
  if (home && home === process.env.INSANERES_HOME) fs.rmSync(home, { recursive: true, force: true });
};
