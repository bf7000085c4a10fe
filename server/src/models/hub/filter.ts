/**
 * Which files of a repository a model needs: the diffusers/optimum ONNX layout (DESIGN §3) and nothing
 * else. Repositories such as SimianLuo/LCM_Dreamshaper_v7 carry ~10 GB of PyTorch weights beside their
 * ONNX export; those, safety checkers, controlnets and sample images are never fetched.
 */

/** The component folders the engine loads; their files sit directly inside (no variant subfolders). */
const COMPONENTS = new Set(['scheduler', 'tokenizer', 'text_encoder', 'unet', 'vae_encoder', 'vae_decoder']);

/** Weights for other runtimes, and things no pipeline step reads. */
const EXCLUDED = /\.(safetensors|bin|ckpt|pt|pth|msgpack|h5|gguf|png|jpe?g|webp|gif|md)$/i;

/**
 * External-data files keep whatever name the exporter gave them (`model.onnx_data`, `weights.pb`,
 * optimum's per-tensor files with no extension at all): ONNX Runtime finds them by the name written in
 * `model.onnx`, so every file of a component folder is kept except the excluded kinds.
 */
export function isModelFile(repoPath: string): boolean {
  if (repoPath === 'model_index.json') return true;
  const parts = repoPath.split('/');
  if (parts.length !== 2 || !COMPONENTS.has(parts[0])) return false;
  const name = parts[1];
  return !name.startsWith('.') && !EXCLUDED.test(name);
}

/** A file list without an ONNX UNet is not an ONNX export (e.g. a PyTorch-only repo): say so before downloading. */
export function missingOnnxParts(paths: string[]): string[] {
  const needed = ['text_encoder/model.onnx', 'unet/model.onnx', 'vae_decoder/model.onnx', 'vae_encoder/model.onnx', 'tokenizer/vocab.json', 'tokenizer/merges.txt'];
  const have = new Set(paths);
  return needed.filter((p) => !have.has(p));
}
