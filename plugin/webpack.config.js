/**
 * Builds the Photoshop panel into plugin/dist, a complete UXP plugin folder (load its manifest.json in
 * the UXP Developer Tool; `npm run package:plugin` zips it into dist/insaneres.ccx).
 *
 * - `photoshop` and `uxp` exist only inside Photoshop: commonjs externals, resolved by UXP's `require`.
 * - No eval-based source maps: UXP plugins may not evaluate strings. Production: none; development: files.
 */
const path = require('path');
const HtmlWebpackPlugin = require('html-webpack-plugin');
const { PanelAssetsPlugin } = require('./build-assets');

const PANEL_HTML = `<!DOCTYPE html>
<html>
  <head>
    <meta charset="utf-8" />
    <title>InsaneRes</title>
  </head>
  <body></body>
</html>
`;

module.exports = (_env = {}, argv = {}) => {
  const mode = argv.mode === 'development' ? 'development' : 'production';
  return {
    mode,
    context: path.resolve(__dirname, '..'),
    entry: { index: path.resolve(__dirname, 'src/index.tsx') },
    target: 'web',
    output: {
      path: path.resolve(__dirname, 'dist'),
      filename: '[name].js',
      publicPath: '',
      clean: true,
    },
    devtool: mode === 'development' ? 'source-map' : false,
    externals: {
      photoshop: 'commonjs2 photoshop',
      uxp: 'commonjs2 uxp',
    },
    resolve: { extensions: ['.tsx', '.ts', '.js'] },
    module: {
      rules: [
        {
          test: /\.[jt]sx?$/,
          exclude: /node_modules/,
          use: {
            loader: 'swc-loader',
            options: {
              jsc: {
                parser: { syntax: 'typescript', tsx: true },
                transform: { react: { runtime: 'automatic' } },
                target: 'es2020',
              },
            },
          },
        },
      ],
    },
    plugins: [
      new HtmlWebpackPlugin({ templateContent: PANEL_HTML, filename: 'index.html', inject: 'body', scriptLoading: 'blocking' }),
      new PanelAssetsPlugin(),
    ],
    optimization: { splitChunks: false, runtimeChunk: false },
    performance: { hints: false },
    stats: 'errors-warnings',
  };
};
