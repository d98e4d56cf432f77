using TuneOperator.Data.ModelFiles;

namespace TuneOperator.Bench.Trainer;

/// <summary>
/// Model FLOPs of one training step. Matmul parameters cost 2 FLOPs per token forward, 2 for the input gradient and 2
/// for the weight gradient; with tied embeddings the embedding counts once, as the output head's matmul (the lookup
/// is free). Attention scores and the weighted sum add 12·layers·(heads·headDim)·T per token (forward 4, backward 8,
/// the full T×T product as is customary, although the causal half is masked). Full fine-tuning:
/// 6·N + attention. LoRA: the frozen weights need no weight gradient, so 4·N_frozen + 6·N_adapter + attention.
/// </summary>
public static class Flops
{
    /// <summary>FLOPs of one step over <paramref name="tokens"/> tokens of sequences of <paramref name="sequenceLength"/>.</summary>
    public static double PerStep(ModelConfig config, long frozenParameters, long trainableParameters, long tokens, int sequenceLength)
    {
        var attention = 12.0 * config.NumLayers * config.NumHeads * config.HeadDim * sequenceLength;
        var perToken = (4.0 * frozenParameters) + (6.0 * trainableParameters) + attention;
        return perToken * tokens;
    }
}
