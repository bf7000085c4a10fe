"""
Golden values for the k-diffusion samplers' tests (test/unit/server/schedulers/k-samplers.test.ts).

Written separately from the TypeScript implementation, from k-diffusion's `sampling.py` / `external.py`
and A1111 1.10's `sd_schedulers.py`, `sd_samplers_common.py`, `sd_samplers_kdiffusion.py` and
`sd_samplers_lcm.py`, in numpy float64. Run `python3 scripts/reference/k_samplers.py` and paste the
printed numbers into the tests. Not part of the build or the test run.

The fake UNet is closed-form: eps(x_in, t) = 0.1 * x_in + 0.01 * t / 1000 (the same as the tests'
FakeRuntime); guidance 1 (one pass, no CFG). Draw k of the fake noise, element i: (k % 3) - 1 + 0.1 * i.
"""
import json
import numpy as np

# ---- the model's schedule (ldm: betas = linspace(sqrt(b0), sqrt(b1), 1000)^2, float64)
betas = np.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=np.float64) ** 2
alphas_cumprod = np.cumprod(1.0 - betas)


class DiscreteSchedule:
    """k-diffusion external.DiscreteSchedule (quantize=False)."""

    def __init__(self, sigmas):
        self.sigmas = sigmas
        self.log_sigmas = np.log(sigmas)

    def sigma_to_t(self, sigma):
        log_sigma = np.log(sigma)
        dists = log_sigma - self.log_sigmas
        low_idx = int(np.argmax(np.cumsum(dists >= 0)))
        low_idx = min(low_idx, len(self.log_sigmas) - 2)
        high_idx = low_idx + 1
        low, high = self.log_sigmas[low_idx], self.log_sigmas[high_idx]
        w = np.clip((low - log_sigma) / (low - high), 0, 1)
        return (1 - w) * low_idx + w * high_idx

    def t_to_sigma(self, t):
        low_idx, high_idx, w = int(np.floor(t)), int(np.ceil(t)), t - np.floor(t)
        return float(np.exp((1 - w) * self.log_sigmas[low_idx] + w * self.log_sigmas[high_idx]))

    def get_sigmas(self, n):
        t = np.linspace(len(self.sigmas) - 1, 0, n)
        return np.append([self.t_to_sigma(x) for x in t], 0.0)


def get_sigmas_karras(n, sigma_min, sigma_max, rho=7.0):
    ramp = np.linspace(0, 1, n)
    min_inv_rho = sigma_min ** (1 / rho)
    max_inv_rho = sigma_max ** (1 / rho)
    return np.append((max_inv_rho + ramp * (min_inv_rho - max_inv_rho)) ** rho, 0.0)


model = DiscreteSchedule(((1 - alphas_cumprod) / alphas_cumprod) ** 0.5)


def fake_noise(k, size):
    return np.array([(k % 3) - 1 + 0.1 * i for i in range(size)], dtype=np.float64)


def fake_eps(x_in, t):
    return 0.1 * x_in + 0.01 * t / 1000


class CompVisDenoiser:
    def __init__(self, schedule):
        self.schedule = schedule
        self.timesteps = []

    def __call__(self, x, sigma):
        c_out, c_in = -sigma, 1 / (sigma ** 2 + 1) ** 0.5
        t = self.schedule.sigma_to_t(sigma)
        self.timesteps.append(float(t))
        return x + fake_eps(x * c_in, t) * c_out


def get_ancestral_step(sigma_from, sigma_to, eta=1.0):
    if not eta:
        return sigma_to, 0.0
    sigma_up = min(sigma_to, eta * (sigma_to ** 2 * (sigma_from ** 2 - sigma_to ** 2) / sigma_from ** 2) ** 0.5)
    sigma_down = (sigma_to ** 2 - sigma_up ** 2) ** 0.5
    return sigma_down, sigma_up


class Noise:
    """A1111's ImageRNG with ENSD 0: draw 0 was the initial noise; each randn_like is the next draw."""

    def __init__(self, size):
        self.size, self.draws = size, []

    def __call__(self):
        k = len(self.draws) + 1
        self.draws.append(k)
        return fake_noise(k, self.size)


def sample_euler(model, x, sigmas, noise):
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i])
        d = (x - denoised) / sigmas[i]
        x = x + d * (sigmas[i + 1] - sigmas[i])
    return x


def sample_euler_ancestral(model, x, sigmas, noise, eta=1.0):
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i])
        sigma_down, sigma_up = get_ancestral_step(sigmas[i], sigmas[i + 1], eta=eta)
        d = (x - denoised) / sigmas[i]
        x = x + d * (sigma_down - sigmas[i])
        if sigmas[i + 1] > 0:
            x = x + noise() * sigma_up
    return x


def sample_dpmpp_2m(model, x, sigmas, noise):
    t_fn = lambda s: -np.log(s)
    sigma_fn = lambda t: np.exp(-t)
    old_denoised = None
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i])
        with np.errstate(divide='ignore'):
            t, t_next = t_fn(sigmas[i]), t_fn(sigmas[i + 1])
        h = t_next - t
        if old_denoised is None or sigmas[i + 1] == 0:
            x = (sigma_fn(t_next) / sigma_fn(t)) * x - np.expm1(-h) * denoised
        else:
            h_last = t - t_fn(sigmas[i - 1])
            r = h_last / h
            denoised_d = (1 + 1 / (2 * r)) * denoised - (1 / (2 * r)) * old_denoised
            x = (sigma_fn(t_next) / sigma_fn(t)) * x - np.expm1(-h) * denoised_d
        old_denoised = denoised
    return x


def setup_img2img_steps(steps, strength):
    return steps, int(min(strength, 0.999) * steps)


LATENT = np.array([0.5, -0.25, 1, 0.125, -1, 0.75, 0.3, -0.6], dtype=np.float64)


def img2img(sample_fn, sigmas, steps, strength, denoiser, **kw):
    steps, t_enc = setup_img2img_steps(steps, strength)
    sigma_sched = sigmas[steps - t_enc - 1:]
    xi = LATENT + fake_noise(0, len(LATENT)) * sigma_sched[0]
    noise = Noise(len(LATENT))
    x = sample_fn(denoiser, xi, sigma_sched, noise, **kw)
    return {'sigmas': list(map(float, sigma_sched)), 'timesteps': denoiser.timesteps, 'draws': noise.draws, 'x': list(map(float, x))}


# ---- A1111 1.10 LCM (sd_samplers_lcm.py): LCMCompVisDenoiser + sample_lcm
class LCMCompVisDenoiser(DiscreteSchedule):
    def __init__(self):
        timesteps, original_timesteps = 1000, 50
        self.skip_steps = timesteps // original_timesteps
        valid = np.zeros(original_timesteps)
        for x in range(original_timesteps):
            valid[original_timesteps - 1 - x] = alphas_cumprod[timesteps - 1 - x * self.skip_steps]
        super().__init__(((1 - valid) / valid) ** 0.5)
        self.timesteps = []

    def sigma_to_t(self, sigma):
        dists = np.log(sigma) - self.log_sigmas
        return int(np.abs(dists).argmin()) * self.skip_steps + (self.skip_steps - 1)

    def t_to_sigma(self, t):
        t = min(max((t - (self.skip_steps - 1)) / self.skip_steps, 0), len(self.sigmas) - 1)
        return DiscreteSchedule.t_to_sigma(self, t)

    def get_sigmas(self, n):
        start, end = self.sigma_to_t(self.sigmas[-1]), self.sigma_to_t(self.sigmas[0])
        return np.append([self.t_to_sigma(t) for t in np.linspace(start, end, n)], 0.0)

    def __call__(self, x, sigma):
        c_out, c_in = -sigma, 1 / (sigma ** 2 + 1) ** 0.5
        t = self.sigma_to_t(sigma)
        self.timesteps.append(float(t))
        eps = fake_eps(x * c_in, t)
        scaled_timestep = t * 10.0
        c_skip = 0.5 ** 2 / (scaled_timestep ** 2 + 0.5 ** 2)
        c_out2 = scaled_timestep / (scaled_timestep ** 2 + 0.5 ** 2) ** 0.5
        return c_out2 * (x + eps * c_out) + c_skip * x


def sample_lcm(model, x, sigmas, noise):
    for i in range(len(sigmas) - 1):
        x = model(x, sigmas[i])
        if sigmas[i + 1] > 0:
            x = x + sigmas[i + 1] * noise()
    return x


# ---- diffusers LCMScheduler + LatentConsistencyModelImg2ImgPipeline (UNet with timestep_cond)
def lcm_set_timesteps(num_inference_steps, strength, original_steps=50):
    k = 1000 // original_steps
    lcm_origin_timesteps = np.asarray(list(range(1, int(original_steps * strength) + 1))) * k - 1
    lcm_origin_timesteps = lcm_origin_timesteps[::-1].copy()
    inference_indices = np.floor(np.linspace(0, len(lcm_origin_timesteps), num=num_inference_steps, endpoint=False)).astype(np.int64)
    return lcm_origin_timesteps[inference_indices]


def lcm_distilled(steps, strength):
    timesteps = lcm_set_timesteps(steps, strength)
    a = alphas_cumprod
    x = a[timesteps[0]] ** 0.5 * LATENT + (1 - a[timesteps[0]]) ** 0.5 * fake_noise(0, len(LATENT))
    noise = Noise(len(LATENT))
    for i, t in enumerate(timesteps):
        eps = fake_eps(x, t)
        pred_x0 = (x - (1 - a[t]) ** 0.5 * eps) / a[t] ** 0.5
        st = t * 10.0
        c_skip, c_out = 0.25 / (st ** 2 + 0.25), st / (st ** 2 + 0.25) ** 0.5
        denoised = c_out * pred_x0 + c_skip * x
        if i != len(timesteps) - 1:
            prev_t = timesteps[i + 1]
            x = a[prev_t] ** 0.5 * denoised + (1 - a[prev_t]) ** 0.5 * noise()
        else:
            x = denoised
    return {'timesteps': list(map(int, timesteps)), 'draws': noise.draws, 'x': list(map(float, x))}


def get_guidance_scale_embedding(w, embedding_dim):
    w = w * 1000.0
    half_dim = embedding_dim // 2
    emb = np.log(10000.0) / (half_dim - 1)
    emb = np.exp(np.arange(half_dim) * -emb)
    emb = w * emb
    return np.concatenate([np.sin(emb), np.cos(emb)])


lcm_model = LCMCompVisDenoiser()

out = {
    'sigma_min': float(model.sigmas[0]),
    'sigma_max': float(model.sigmas[-1]),
    'uniform10': list(map(float, model.get_sigmas(10))),
    'karras10': list(map(float, get_sigmas_karras(10, model.sigmas[0], model.sigmas[-1]))),
    'sigma_to_t': {str(s): float(model.sigma_to_t(s)) for s in [14.6, 1.0, 0.1, 0.0292, 0.02, 20.0]},
    'tail_20_0.3': list(map(float, get_sigmas_karras(20, model.sigmas[0], model.sigmas[-1])[20 - int(0.3 * 20) - 1:])),
    'euler': img2img(sample_euler, model.get_sigmas(10), 10, 0.5, CompVisDenoiser(model)),
    'euler_a': img2img(sample_euler_ancestral, model.get_sigmas(10), 10, 0.5, CompVisDenoiser(model)),
    'euler_a_eta_half': img2img(sample_euler_ancestral, model.get_sigmas(10), 10, 0.5, CompVisDenoiser(model), eta=0.5),
    'dpmpp_2m_karras': img2img(sample_dpmpp_2m, get_sigmas_karras(10, model.sigmas[0], model.sigmas[-1]), 10, 0.5, CompVisDenoiser(model)),
    'lcm_valid_min_max': [float(lcm_model.sigmas[0]), float(lcm_model.sigmas[-1])],
    'lcm_uniform6': list(map(float, lcm_model.get_sigmas(6))),
    'lcm_karras6': list(map(float, get_sigmas_karras(6, lcm_model.sigmas[0], lcm_model.sigmas[-1]))),
    'lcm_a1111': img2img(sample_lcm, lcm_model.get_sigmas(6), 6, 0.6, lcm_model),
    'lcm_distilled_4_0.6': lcm_distilled(4, 0.6),
    'lcm_distilled_timesteps_50_1': list(map(int, lcm_set_timesteps(50, 1.0)[:5])),
    'lcm_distilled_timesteps_15_0.3': list(map(int, lcm_set_timesteps(15, 0.3))),
    'guidance_embedding_w7.5_d8': list(map(float, get_guidance_scale_embedding(7.5, 8))),
    'dpmpp_2m_uniform_full': img2img(sample_dpmpp_2m, model.get_sigmas(4), 4, 1.0, CompVisDenoiser(model)),
}
print(json.dumps(out, indent=1))
