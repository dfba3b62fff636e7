"""Self-checks for the exercises: run a learner's function on test inputs and say what is wrong.

Each ``check_*`` function takes your function, calls it on a handful of cases (edge cases included),
and compares the result with a reference. It prints one line and returns ``True`` when every case
passes; otherwise it raises :class:`ExerciseCheckError` whose message names the case, what was
expected, what came back and, where a usual mistake is recognisable, a hint.
Called with ``None`` (nothing defined yet), a check prints "not attempted yet" and returns ``False``.

Example::

    from audiolosses.exercises import check_hz_to_mel

    def my_hz_to_mel(f):
        return 2595 * torch.log10(1 + f / 700)

    check_hz_to_mel(my_hz_to_mel)   # prints "check_hz_to_mel: all 4 cases passed"

One module per chapter holds its checks; all are re-exported here.
"""

from ._core import Case, ExerciseCheckError, not_attempted, run_cases
from .atlas import (
    check_gain_response,
    check_interval_width,
    check_normalized_response,
    check_quantize,
    check_reverb_growth,
    check_spearman,
)
from .component import (
    check_equal_bin_gain,
    check_noise_quality,
    check_noise_quality_of_ones,
    check_parametric_wiener_mask,
    check_signal_approximation_mask,
    check_two_component_loss,
)
from .hifigan import (
    check_best_discriminator_loss,
    check_discriminator_loss,
    check_feature_loss,
    check_hifigan_mel,
    check_lsgan_optimal_score,
    check_mel_share,
    check_undecided_discriminator_loss,
)
from .kl import (
    check_collapsed_output,
    check_free_bits_floor,
    check_kl_batchmean,
    check_kl_standard_normal,
    check_kl_two_gaussians,
    check_reparameterize,
)
from .perceptual import (
    check_bark_centres,
    check_erb,
    check_flip_mse,
    check_negative_cosine,
    check_perfect_on_flip,
    check_polarity_invariant,
    check_rectified_log,
)
from .rvm import (
    check_aggregate_bands,
    check_independent_noise_snr,
    check_longer_window_prediction,
    check_per_item_rvm,
    check_predicted_gain_rvm,
)
from .sdr import (
    check_delayed_tone_si_sdr,
    check_optimal_scale,
    check_permutation_invariant_si_sdr_loss,
    check_sd_sdr_loud_limit,
    check_si_sdr,
    check_si_sdr_from_cosine,
)
from .spectra import (
    check_alias_frequency,
    check_frame_signal,
    check_half_bin_peak_db,
    check_hann_main_lobe,
    check_hz_to_mel,
    check_log_magnitude_l1,
    check_mel_filterbank,
    check_scale_to_db,
)
from .stft_loss import (
    check_batch_spectral_convergence,
    check_gain_terms,
    check_phase_blind_prediction,
    check_spectral_convergence,
)

__all__ = [
    "ExerciseCheckError",
    "Case",
    "run_cases",
    "not_attempted",
    # chapter 1
    "check_alias_frequency",
    "check_half_bin_peak_db",
    "check_hann_main_lobe",
    "check_log_magnitude_l1",
    "check_scale_to_db",
    "check_frame_signal",
    "check_hz_to_mel",
    "check_mel_filterbank",
    # chapter 2
    "check_aggregate_bands",
    "check_predicted_gain_rvm",
    "check_per_item_rvm",
    "check_longer_window_prediction",
    "check_independent_noise_snr",
    # chapter 3
    "check_discriminator_loss",
    "check_best_discriminator_loss",
    "check_lsgan_optimal_score",
    "check_undecided_discriminator_loss",
    "check_feature_loss",
    "check_hifigan_mel",
    "check_mel_share",
    # chapter 4
    "check_erb",
    "check_bark_centres",
    "check_rectified_log",
    "check_negative_cosine",
    "check_polarity_invariant",
    "check_flip_mse",
    "check_perfect_on_flip",
    # chapter 5
    "check_two_component_loss",
    "check_parametric_wiener_mask",
    "check_noise_quality",
    "check_noise_quality_of_ones",
    "check_equal_bin_gain",
    "check_signal_approximation_mask",
    # chapter 6
    "check_kl_standard_normal",
    "check_kl_batchmean",
    "check_kl_two_gaussians",
    "check_reparameterize",
    "check_free_bits_floor",
    "check_collapsed_output",
    # chapter 7
    "check_quantize",
    "check_normalized_response",
    "check_spearman",
    "check_gain_response",
    "check_interval_width",
    "check_reverb_growth",
    # chapter 8
    "check_spectral_convergence",
    "check_gain_terms",
    "check_batch_spectral_convergence",
    "check_phase_blind_prediction",
    # chapter 9
    "check_optimal_scale",
    "check_sd_sdr_loud_limit",
    "check_si_sdr_from_cosine",
    "check_si_sdr",
    "check_delayed_tone_si_sdr",
    "check_permutation_invariant_si_sdr_loss",
]
