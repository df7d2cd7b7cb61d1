"""Five sets of 20 wrong answers and a few right ones, each written blind (without reading the checkers) to measure how the checkers generalize, kept as regression tests: each wrong answer
raises an AssertionError (nothing else) whose message still says what it said when the set was graded; each right answer passes. The sets are test data in tests/heldout/."""
import contextlib, importlib, io, pathlib, sys
import pytest
import lesson17.exercises as exercises

sys.path.insert(0, str(pathlib.Path(__file__).parent / "heldout"))
SETS = [importlib.import_module(m) for m in ("heldout2", "heldout3", "heldout4", "heldout5", "heldout6")]

def checker(s, entry):
    "The checker an entry is for: heldout2 names it by the prefix of the entry's name, the later sets give it."
    return getattr(exercises, entry[1] if len(entry) == 4 and isinstance(entry[1], str) else "check_" + s.KIND[entry[0].split("_")[0]])

WRONG = [(s.__name__, e[0], checker(s, e), e[2] if len(e) == 4 else e[1]) for s in SETS for e in s.WRONG]
RIGHT = [(s.__name__, e[0], checker(s, e), e[2] if len(e) == 4 else e[1]) for s in SETS for e in s.RIGHT]
WORDS = {  # what each message says: its cause where the checker names one, else the property that fails
    'heldout2.ewma_lerp_consecutive': 'each output is lerp(the value before it, its own value, mom): it depends on those two',
    'heldout2.ewma_precedence': 'with every value 0 it returns [-0.3, -0.6, -0.9, -1.2, …], not 0: it is not an average of',
    'heldout2.ewma_appends_value': 'each output is its own value, unchanged: it returns the values, not their running',
    'heldout2.ln_spatial_only': 'wrong axes: LayerNorm averages over dims (1, 2, 3) (channels, height and width), your',
    'heldout2.ln_uncentred_var': 'its output is wrong: it divides by the root of the mean of x², not of the variance, the',
    'heldout2.ln_var_mean_unpacked_wrong': "its output is wrong: it subtracts each set's variance where its mean belongs",
    'heldout2.ln_divides_by_mult': 'its output is wrong: it divides by mult instead of multiplying: return normalised * mult',
    'heldout2.bn_view_without_transpose': 'wrong sets: its output at item 0, channel 0, row 0, column 0 depends on its own value and',
    'heldout2.bn_running_std': "its running statistics are wrong: its running variance follows the batch's standard",
    'heldout2.bn_forgets_mean_update': "only vars changes in a training step: nothing it keeps follows the batch's",
    'heldout2.bn_cumulative_average': "its running statistics are wrong: its running mean is the plain average of the batches'",
    'heldout2.bn_eval_means_twice': 'in eval mode where the running variance belongs it uses the running',
    'heldout2.bn_self_train_typo': 'its running statistics change in eval mode: update them only when self.training, so that',
    'heldout2.in_first_item_stats': 'wrong sets: its output at item 1, channel 0, row 0, column 0 depends on its own value and',
    'heldout2.in_clamp_std': 'its output is wrong: it leaves eps out: divide by (v + eps).sqrt(), so a set with',
    'heldout2.in_cat_not_stack': 'its output is float64 of shape (18, 2, 4) for float64 input of shape (3, 6, 2, 4): its',
    'heldout2.gn_view_dims_swapped': 'wrong sets: GroupNorm averages over dims (2, 3, 4) of the grouped view x.view(n, 2, 3, h,',
    'heldout2.gn_l2_normalize': 'its output is wrong: it divides by the root of the sum of the squared deviations (the',
    'heldout2.gn_repeat_not_interleave': 'wrong sets: its output at item 0, channel 1, row 0, column 0 depends on its own value and',
    'heldout2.gn_channels_of_group_per_pixel': 'wrong sets: GroupNorm averages over dims (2, 3, 4) of the grouped view x.view(n, 2, 3, h,',
    'heldout3.ewma_avg_never_updated': 'each output is lerp(the first value, its own value, mom): it depends on those two values',
    'heldout3.ewma_debiased_from_first': "each output is the EWMA's times [3.3333, 1.9608, 1.5221, 1.316, …]: it divides by 1 − (1",
    'heldout3.ewma_closed_form_first_twice': "only value 0's weights differ from an EWMA's: it gets 1.3 × the weight an EWMA gives it",
    'heldout3.ewma_index_off_by_one': 'an output depends on values that come after it: output 0 is 0.7 × value 0 + 0.3 × value',
    'heldout3.ln_divides_by_rsqrt': 'its output is wrong: it multiplies by the standard deviation instead of dividing by it',
    'heldout3.ln_sqrt_of_std': 'its output is wrong: it takes the square root twice: it divides by √(std + eps), not by',
    'heldout3.ln_add_starts_at_one': 'LNAddStartsAtOne.add should start at 0, so the layer starts as a pure normalization; it',
    'heldout3.ln_channel_mean_item_var': 'its output is wrong: it subtracts the mean over dims (2, 3) (height and width), and',
    'heldout3.bn_eval_batch_mean': "in eval mode it subtracts the batch's own mean, not the running",
    'heldout3.bn_means_start_at_one': "BNMeansStartAtOne.means should start at 0, as PyTorch's running_mean does; it starts at",
    'heldout3.bn_bessel_inverted': "its running statistics are wrong: its running variance takes the batch's × 0.9583 = (n −",
    'heldout3.bn_keeps_last_batch': "its running statistics are wrong: its running mean is replaced by each batch's (it moves",
    'heldout3.bn_update_args_swapped': "its running statistics are wrong: its running mean follows the batch's variance, not its",
    'heldout3.in_mults_indexed_by_item': 'its output is wrong: item 0, channel 1 is scaled and shifted with mults[0] and adds[0],',
    'heldout3.in_var_about_global_mean': 'wrong sets: its output at item 0, channel 0, row 0, column 0 depends on its own value and',
    'heldout3.in_count_h_times_h': "its output is wrong: the mean it subtracts is each set's sum divided by 4, not by the 8",
    'heldout3.gn_true_division': 'GNTrueDivision(x) in training mode, x of shape (3, 6, 2, 4) raised TypeError: view():',
    'heldout3.gn_view_back_hw_swapped': 'its output is float64 of shape (3, 6, 4, 2) for float64 input of shape (3, 6, 2, 4): its',
    'heldout3.gn_slice_one_too_many': 'wrong sets: its output at item 0, channel 0, row 0, column 0 depends on its own value and',
    'heldout3.gn_stats_over_groups_axis': 'wrong sets: GroupNorm averages over dims (2, 3, 4) of the grouped view x.view(n, 2, 3, h,',
    'heldout4.ewma_starts_from_last': 'an output depends on values that come after it: output 0 is 0.3 × value 0 + 0.7 × value',
    'heldout4.ewma_start_slice_keeps_dim': 'one average per value, in an extra dimension: return shape',
    'heldout4.ewma_window_mean': 'the last output depends only on values [5, 6, 7] (weights [0.3333, 0.3333, 0.3333]),',
    'heldout4.ewma_sign_flipped': 'the newest value gets weight -0.3, not mom =',
    'heldout4.ln_dims_range_off_by_one': 'wrong axes: LayerNorm averages over dims (1, 2, 3) (channels, height and width), your',
    'heldout4.ln_int_params': 'Only Tensors of floating point and complex dtype can require gradients, at `self.mult =',
    'heldout4.ln_items_as_columns': 'wrong sets: LayerNorm averages over dims (1, 2, 3) (channels, height and width). Your',
    'heldout4.ln_var_sum_not_mean': 'its output is wrong: it divides by the root of the sum of the squared deviations (the',
    'heldout4.bn_running_var_about_running_mean': 'its running statistics are wrong: its running variance follows the squared deviations',
    'heldout4.bn_first_batch_initialises': 'its running statistics are wrong: its running mean moves [1.0, 0.2, 0.2] of the way to',
    'heldout4.bn_var_lerp_weight_eps': 'its running statistics are wrong: its running variance moves 0.1 of the way to each',
    'heldout4.bn_bessel_roles_swapped': "its output is wrong: it normalises with the unbiased variance (x.var's default divides by",
    'heldout4.bn_add_without_alpha': 'its running statistics are wrong: it adds the whole batch mean after scaling the running',
    'heldout4.in_loop_bound_batch': "its output differs from InstanceNorm's: its outputs for items 0, 1, 2, channels 3, 4, 5",
    'heldout4.in_rows_from_one': 'its output is wrong: the value it subtracts from each set is [-0.8321, -0.4371, -0.1771,',
    'heldout4.in_affine_between_stats_and_norm': "its output is wrong: with mults at 1 and adds at 0 its output is PyTorch's, so it",
    'heldout4.gn_five_dims_one_short': 'wrong sets: GroupNorm averages over dims (2, 3, 4) of the grouped view x.view(n, 2, 3, h,',
    'heldout4.gn_loop_skips_last_group': "its output differs from GroupNorm's: its outputs for items 0, 1, 2, channels 3, 4, 5 (72",
    'heldout4.gn_repeat_interleave_groups': 'GNRepeatInterleaveGroups(x) in training mode, x of shape (3, 6, 2, 4) raised',
    'heldout4.gn_last_group_stats_for_all': 'wrong sets: its output at item 0, channel 0, row 0, column 0 depends on its own value and',
    'heldout5.ewma_lerp_twice': 'the newest value gets weight 0.51, not mom = 0.3: 1 − (1 − mom)², as two lerps in each',
    'heldout5.ewma_warmup_cumulative': 'the newest value gets weights [0.5, 0.3333, 0.3, 0.3, …], not mom = 0.3: 1 / (t + 1)',
    'heldout5.ewma_first_slot_left_zero': "each output is the EWMA's times [0.0, 1.0, 1.0, 1.0,",
    'heldout5.ewma_weights_one_and_mom': 'the newest value gets weight 0.231, not mom =',
    'heldout5.ln_dims_one_to_three': 'wrong axes: LayerNorm averages over dims (1, 2, 3) (channels, height and width), your',
    'heldout5.ln_mean_subtracted_twice': "its output is wrong: the mean it subtracts is each set's sum divided by 24, not by the 48",
    'heldout5.ln_adds_mult': 'its output is wrong: it multiplies the normalised values by mult and adds mult, where',
    'heldout5.ln_stats_viewed_three_dims': 'LNStatsViewedThreeDims(x) in training mode, x of shape (3, 6, 2, 4) raised RuntimeError:',
    'heldout5.bn_bessel_all_values': "its running statistics are wrong: its running variance takes the batch's × 1.007, n / (n",
    'heldout5.bn_eps_in_running_var': 'its running statistics are wrong: its running variance after 1, 2 and 3 steps is [0.9663,',
    'heldout5.bn_eval_debessel': "in eval mode it undoes Bessel's correction, dividing by the running variance × (n − 1) /",
    'heldout5.bn_eval_in_place_sqrt': 'its running statistics change in eval mode: its running variance becomes its square root,',
    'heldout5.bn_train_divides_by_running_var': 'its output is wrong: in training mode it divides by the running variance, not the',
    'heldout5.in_var_rows_then_mean': "its output is wrong: it subtracts the mean over InstanceNorm's sets, and divides by the",
    'heldout5.in_group_norm_groups_batch': 'wrong sets: InstanceNorm averages over dims (2, 3) (height and width); yours are the sets',
    'heldout5.in_pow_in_place': "its output differs from InstanceNorm's: undoing the scale and shift, its output is not",
    'heldout5.gn_count_per_item': "its output is wrong: the mean it subtracts is each set's sum divided by 48, not by the 24",
    'heldout5.gn_functional_param_shapes': 'GNFunctionalParamShapes(x) in training mode, x of shape (3, 6, 2, 4) raised RuntimeError:',
    'heldout5.gn_total_variance_unbiased_between': "its output differs from GroupNorm's: its output is centred, but not of unit spread: it",
    'heldout5.gn_last_item_stats_for_all': 'wrong sets: its output at item 0, channel 0, row 0, column 0 depends on its own value and',
    'heldout6.ewma_cumsum_final_weights': "each output is the EWMA's times [0.0824, 0.1176, 0.1681, 0.2401,",
    'heldout6.ewma_toeplitz_triu': 'an output depends on values that come after it: output 0 is 1 × value 0 + 0.21 × value 1',
    'heldout6.ewma_lerp_not_assigned': "the last output depends only on values [0] (weights [1.0]), where an EWMA's depends on",
    'heldout6.ewma_range_stops_early': 'one too',
    'heldout6.ln_mean_over_whole_batch': 'wrong sets: its output at item 0, channel 0, row 0, column 0 depends on its own value and',
    'heldout6.ln_missing_parens': "its output differs from LayerNorm's: undoing the scale and shift, its output is not",
    'heldout6.ln_functional_eps_positional': 'LNFunctionalEpsPositional(x) in training mode, x of shape (3, 6, 2, 4) raised TypeError:',
    'heldout6.ln_capital_tensor_params': 'LNCapitalTensorParams',   # torch.Tensor(1) is uninitialised memory: what it says depends on what is there
    'heldout6.bn_running_var_all_dims': 'its running statistics are wrong: its running variance after 1, 2 and 3 steps is [2.0818,',
    'heldout6.bn_buffers_shaped_like_mults': 'BNBuffersShapedLikeMults(x) in training mode, x of shape (3, 6, 2, 4) raised',
    'heldout6.bn_bessel_on_whole_running_var': 'its running statistics are wrong: its running variance after 1, 2 and 3 steps is [0.9802,',
    'heldout6.bn_affine_as_buffers': 'make it self.mults = nn.Parameter(torch.ones(6, 1,',
    'heldout6.bn_tracks_second_moment': 'its running statistics are wrong: its running variance after 1, 2 and 3 steps is [1.3918,',
    'heldout6.in_pool_kernel_height': 'INPoolKernelHeight(x) in training mode, x of shape (3, 6, 2, 4) raised RuntimeError: The',
    'heldout6.in_returns_input': "its output differs from InstanceNorm's: its outputs for items 0, 1, 2, channels 0, 1, 2,",
    'heldout6.in_stack_channels_first': 'its output is float64 of shape (6, 3, 2, 4) for float64 input of shape (3, 6, 2, 4): it',
    'heldout6.gn_five_dims_groups_axis': 'wrong sets: GroupNorm averages over dims (2, 3, 4) of the grouped view x.view(n, 2, 3, h,',
    'heldout6.gn_slice_start_not_scaled': 'wrong sets: its output at item 0, channel 1, row 0, column 0 depends on its own value and',
    'heldout6.gn_mults_indexed_by_group': "its output is wrong: with mults at 1 and adds at 0 its output is PyTorch's, so it",
    'heldout6.gn_view_back_two_dims': 'its output is float64 of shape (6, 3, 48) for float64 input of shape (3, 6, 2, 4): it',
}

@pytest.mark.parametrize("where, name, check, answer", WRONG, ids=[f"{w}.{n}" for w, n, *_ in WRONG])
def test_each_wrong_answer_is_told_what_it_does(where, name, check, answer):
    with contextlib.redirect_stdout(io.StringIO()), pytest.raises(AssertionError) as e: check(answer)
    assert WORDS[f"{where}.{name}"] in str(e.value), str(e.value)

@pytest.mark.parametrize("where, name, check, answer", RIGHT, ids=[f"{w}.{n}" for w, n, *_ in RIGHT])
def test_each_right_answer_passes(where, name, check, answer, capsys):
    assert check(answer) is True and capsys.readouterr().out.startswith("✓")
