using TorchSharp;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Evaluation;

/// <summary>Greedy (argmax) decoding with a causal language model that maps ids [1, T] to logits [1, T, V].</summary>
public static class GreedyDecoder
{
    /// <summary>
    /// Appends up to <paramref name="maxNewTokens"/> argmax tokens to <paramref name="prompt"/>, stopping after
    /// <paramref name="stopId"/> (which is not returned). The model runs in eval mode without gradients; the whole
    /// sequence is re-run each token (no key/value cache, which the evaluation sets are small enough for).
    /// </summary>
    /// <returns>The generated ids, without the prompt and the stop id.</returns>
    public static IReadOnlyList<int> Generate(nn.Module<Tensor, Tensor> model, IReadOnlyList<int> prompt, int maxNewTokens, int? stopId, Device? device = null)
    {
        if (prompt.Count == 0)
        {
            throw new ArgumentException("The prompt must hold at least one token.", nameof(prompt));
        }

        model.eval();
        var sequence = prompt.Select(id => (long)id).ToList();
        var generated = new List<int>();
        using var noGrad = no_grad();
        for (var i = 0; i < maxNewTokens; i++)
        {
            using var scope = NewDisposeScope();
            var input = tensor(sequence.ToArray(), [1, sequence.Count], device: device ?? CPU);
            var logits = model.call(input);
            var next = (int)logits[0, -1].argmax().item<long>();
            if (next == stopId)
            {
                break;
            }

            generated.Add(next);
            sequence.Add(next);
        }

        return generated;
    }
}
