/**
 * Builds the browser harness (the panel beside a canvas editor) into plugin/dist-harness, which
 * `insaneres serve` serves at `/`. Same loaders and resolution as the panel's build (webpack.config.js);
 * a browser page needs no UXP externals, no manifest and no icons.
 */
const path = require('path');
const HtmlWebpackPlugin = require('html-webpack-plugin');
const panelConfig = require('./webpack.config');

const HARNESS_DIST = path.resolve(__dirname, 'dist-harness');

const HARNESS_HTML = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>InsaneRes — panel harness</title>
    <link rel="icon" href="data:," />
  </head>
  <body></body>
</html>
`;

module.exports = (env = {}, argv = {}) => {
  const panel = panelConfig(env, argv);
  return {
    mode: panel.mode,
    context: panel.context,
    target: 'web',
    entry: { harness: path.resolve(__dirname, 'src/harness/index.tsx') },
    output: { path: HARNESS_DIST, filename: '[name].js', publicPath: '/', clean: true },
    devtool: panel.devtool,
    resolve: panel.resolve,
    module: panel.module,
    plugins: [new HtmlWebpackPlugin({ templateContent: HARNESS_HTML, filename: 'index.html', inject: 'body', scriptLoading: 'defer' })],
    performance: { hints: false },
    stats: 'errors-warnings',
  };
};

module.exports.HARNESS_DIST = HARNESS_DIST;
