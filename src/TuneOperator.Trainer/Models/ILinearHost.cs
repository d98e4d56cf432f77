using TorchSharp;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Models;

/// <summary>
/// A module whose linear projections (e.g. q_proj, v_proj, c_attn) may be swapped for wrappers such as LoRA layers.
/// The projection keeps its Hugging Face name, so the wrapper's parameters appear under the same state-dict prefix.
/// </summary>
public interface ILinearHost
{
    /// <summary>The names of the replaceable projections, in state-dict order.</summary>
    IReadOnlyList<string> LinearNames { get; }

    /// <summary>The projection called <paramref name="name"/>.</summary>
    nn.Module<Tensor, Tensor> GetLinear(string name);

    /// <summary>Replaces the projection called <paramref name="name"/> (the old module is no longer used).</summary>
    void SetLinear(string name, nn.Module<Tensor, Tensor> replacement);
}
