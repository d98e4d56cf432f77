using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Models;

/// <summary>
/// Hugging Face's GPT-2 "Conv1D": a linear layer whose weight is stored transposed, [in, out], computing
/// <c>x · W + b</c>. Kept in that layout so its state-dict tensors match GPT-2 checkpoints.
/// </summary>
public sealed class Conv1D : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;

    /// <summary>Creates the layer mapping <paramref name="inputs"/> features to <paramref name="outputs"/>.</summary>
    public Conv1D(long inputs, long outputs)
        : base(nameof(Conv1D))
    {
        weight = nn.Parameter(torch.zeros(inputs, outputs));
        bias = nn.Parameter(torch.zeros(outputs));
        RegisterComponents();
    }

    /// <summary>The weight, [in, out].</summary>
    public Parameter Weight => weight;

    /// <summary>The bias, [out].</summary>
    public Parameter Bias => bias;

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => torch.addmm(bias, input.reshape(-1, weight.shape[0]), weight, 1, 1)
        .view([.. input.shape[..^1], weight.shape[1]]);
}
