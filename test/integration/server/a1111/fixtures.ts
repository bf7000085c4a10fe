/** What A1111's API tests send (their conftest.py): PNGs as data URLs; helpers to read A1111's answers. */
import { encodePng } from '../../../../server/src/image/png';
import { gradient, postJson, type RawResponse } from '../harness';

/** An RGBA PNG standing in for A1111's test_files/img2img_basic.png. */
export async function pngBase64(width: number, height: number): Promise<string> {
  const png = await encodePng({ width, height, channels: 4, bitDepth: 8, data: gradient(width, height) });
  return png.toString('base64');
}

/** conftest.py's file_to_base64: "data:image/png;base64," + base64. */
export async function pngDataUrl(width: number, height: number): Promise<string> {
  return `data:image/png;base64,${await pngBase64(width, height)}`;
}

/** test_txt2img.py's simple_txt2img_request. */
export function simpleTxt2ImgRequest(): Record<string, unknown> {
  return {
    batch_size: 1, cfg_scale: 7, denoising_strength: 0, enable_hr: false, eta: 0, firstphase_height: 0, firstphase_width: 0,
    height: 64, n_iter: 1, negative_prompt: '', prompt: 'example prompt', restore_faces: false, s_churn: 0, s_noise: 1,
    s_tmax: 0, s_tmin: 0, sampler_index: 'Euler a', seed: -1, seed_resize_from_h: -1, seed_resize_from_w: -1, steps: 3,
    styles: [], subseed: -1, subseed_strength: 0, tiling: false, width: 64,
  };
}

/** test_img2img.py's simple_img2img_request. */
export function simpleImg2ImgRequest(initImage: string): Record<string, unknown> {
  return {
    batch_size: 1, cfg_scale: 7, denoising_strength: 0.75, eta: 0, height: 64, include_init_images: false,
    init_images: [initImage], inpaint_full_res: false, inpaint_full_res_padding: 0, inpainting_fill: 0,
    inpainting_mask_invert: false, mask: null, mask_blur: 4, n_iter: 1, negative_prompt: '', override_settings: {},
    prompt: 'example prompt', resize_mode: 0, restore_faces: false, s_churn: 0, s_noise: 1, s_tmax: 0, s_tmin: 0,
    sampler_index: 'Euler a', seed: -1, seed_resize_from_h: -1, seed_resize_from_w: -1, steps: 3, styles: [], subseed: -1,
    subseed_strength: 0, tiling: false, width: 64,
  };
}

export interface GenerationResult {
  images: string[];
  parameters: Record<string, unknown>;
  info: string;
}

export interface GenerationInfo {
  seed: number;
  all_seeds: number[];
  infotexts: string[];
  sampler_name: string;
  warnings: string[];
  width: number;
  height: number;
  [key: string]: unknown;
}

/** Posts and insists on 200, showing A1111's error body otherwise. */
export async function post200(url: string, path: string, body: unknown): Promise<RawResponse> {
  const res = await postJson(url, path, body);
  if (res.status !== 200) throw new Error(`POST ${path} → ${res.status} ${res.body.toString().slice(0, 500)}`);
  return res;
}

export function infoOf(res: RawResponse): GenerationInfo {
  return JSON.parse(res.json<GenerationResult>().info) as GenerationInfo;
}
