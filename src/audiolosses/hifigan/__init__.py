"""HiFi-GAN's training losses: least-squares GAN, feature matching and the mel loss.

HiFi-GAN {Kong et al. 2020} trains its generator against two discriminators, a multi-period one
(MPD) and a multi-scale one (MSD). Each is a list of sub-discriminators ``D_k`` that return a score
map and the feature maps of every layer. The losses, written as in the original code:

* **Discriminator (least squares, LSGAN {Mao et al. 2017}):**
  ``Σ_k [mean((1 − D_k(y))²) + mean(D_k(ŷ)²)]``: real audio is pushed to 1, generated audio to 0.
* **Generator, adversarial:** ``Σ_k mean((1 − D_k(ŷ))²)``.
* **Feature matching:** ``L_FM = Σ_k Σ_l mean|D_k^l(y) − D_k^l(ŷ)|`` over *every* feature map the
  discriminator returns (its final score map included), with no weight inside. The generator's objective
  multiplies it once by λ_fm = 2. HiFi-GAN's own ``feature_loss`` returns ``2 · L_FM`` (it hard-codes λ_fm
  inside); :func:`~audiolosses.hifigan.losses.feature_loss` does the same with its default ``weight=2`` and
  gives ``L_FM`` itself with ``weight=1``.
* **Mel:** ``mean|mel(y) − mel(ŷ)|`` with HiFi-GAN's front end (:func:`~audiolosses.hifigan.mel.mel_spectrogram`):
  Slaney mel with Slaney area norm, the STFT *magnitude* with ``1e-9`` inside the square root, reflect padding of
  ``(n_fft − hop)/2`` samples, natural log of ``clamp(x, 1e-5)``. It lives in HiFi-GAN's training loop, not in its
  ``generator_loss``, and is weighted by λ_mel = 45.

The generator's objective is ``L_adv + λ_fm·L_FM + λ_mel·L_mel``, adversarial and feature terms summed over both
discriminators
(:func:`~audiolosses.hifigan.losses.generator_objective`). Sums run over sub-discriminators and layers; means run
within each.

The discriminators (:class:`~audiolosses.hifigan.discriminators.MultiPeriodDiscriminator`,
:class:`~audiolosses.hifigan.discriminators.MultiScaleDiscriminator`) have the original's structure (layers,
kernels, strides, groups, weight/spectral norm, LeakyReLU 0.1) with a ``width`` factor on the channel counts:
``width=1`` reproduces the paper's layer shapes, a small width makes them cheap enough to train on a CPU in seconds.

The package is split by concern:

- :mod:`audiolosses.hifigan.mel`: the log-mel front end and the mel loss, in the package's loss contract
  (prediction first, ``sample_rate`` required, :meth:`MelLoss.hifigan_v1
  <audiolosses.hifigan.mel.MelLoss.hifigan_v1>` for the original configuration);
- :mod:`audiolosses.hifigan.losses`: the adversarial and feature-matching losses (HiFi-GAN's signatures:
  they take discriminator outputs) and the generator's whole objective;
- :mod:`audiolosses.hifigan.discriminators`: MPD and MSD;
- :mod:`audiolosses.hifigan.upstream`: HiFi-GAN's own function signatures (``sampling_rate``, ``num_mels``,
  ``hop_size``, target first), for readers comparing line by line with the original code.

Notebook: book/03_hifigan_losses.ipynb
"""

from . import discriminators, losses, mel, upstream
from .discriminators import DiscriminatorP, DiscriminatorS, MultiPeriodDiscriminator, MultiScaleDiscriminator
from .losses import (
    LAMBDA_FM,
    LAMBDA_MEL,
    DiscriminatorLoss,
    FeatureLoss,
    GeneratorLoss,
    GeneratorObjective,
    discriminator_loss,
    feature_loss,
    generator_loss,
    generator_objective,
)
from .mel import (
    HIFIGAN_V1_CONDITIONING_MEL,
    HIFIGAN_V1_LOSS_MEL,
    MAGNITUDE_EPS,
    MEL_LOG_FLOOR,
    MelLoss,
    mel_loss,
    mel_spectrogram,
)

__all__ = [
    "discriminators",
    "losses",
    "mel",
    "upstream",
    "LAMBDA_FM",
    "LAMBDA_MEL",
    "MEL_LOG_FLOOR",
    "MAGNITUDE_EPS",
    "HIFIGAN_V1_LOSS_MEL",
    "HIFIGAN_V1_CONDITIONING_MEL",
    "discriminator_loss",
    "generator_loss",
    "feature_loss",
    "mel_spectrogram",
    "mel_loss",
    "generator_objective",
    "DiscriminatorLoss",
    "GeneratorLoss",
    "FeatureLoss",
    "MelLoss",
    "GeneratorObjective",
    "DiscriminatorP",
    "DiscriminatorS",
    "MultiPeriodDiscriminator",
    "MultiScaleDiscriminator",
]
