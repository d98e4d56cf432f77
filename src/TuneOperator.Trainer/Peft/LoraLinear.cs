using TorchSharp;
using TorchSharp.Modules;
using TuneOperator.Trainer.Models;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Peft;

/// <summary>
/// A linear projection with a LoRA adapter: <c>base(x) + lora_B(lora_A(dropout(x))) · alpha / r</c>. The base weight
/// and bias keep their Hugging Face keys (<c>q_proj.weight</c>) and stay frozen; <c>lora_A</c> (Kaiming-uniform like
/// PEFT) and <c>lora_B</c> (zeros, so the adapter starts as the identity) are the trainable parameters. GPT-2's
/// Conv1D projections (weight stored [in, out]) are handled as PEFT's <c>fan_in_fan_out</c>.
/// </summary>
public sealed class LoraLinear : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter? bias;
    private readonly Linear lora_A;
    private readonly Linear lora_B;
    private readonly nn.Module<Tensor, Tensor> lora_dropout;
    private readonly bool fanInFanOut;
    private readonly double scaling;

    /// <summary>Wraps <paramref name="baseLayer"/> (a Linear or a GPT-2 Conv1D).</summary>
    public LoraLinear(nn.Module<Tensor, Tensor> baseLayer, LoraOptions options, Generator generator)
        : base(nameof(LoraLinear))
    {
        (weight, bias, fanInFanOut) = baseLayer switch
        {
            Linear linear => (linear.weight!, linear.bias, false),
            Conv1D conv => (conv.Weight, (Parameter?)conv.Bias, true),
            _ => throw new ArgumentException($"LoRA can wrap Linear and Conv1D layers, not {baseLayer.GetType().Name}.", nameof(baseLayer)),
        };
        var inputs = fanInFanOut ? weight.shape[0] : weight.shape[1];
        var outputs = fanInFanOut ? weight.shape[1] : weight.shape[0];
        lora_A = nn.Linear(inputs, options.Rank, hasBias: false, dtype: weight.dtype, device: weight.device);
        lora_B = nn.Linear(options.Rank, outputs, hasBias: false, dtype: weight.dtype, device: weight.device);
        lora_dropout = options.Dropout > 0 ? nn.Dropout(options.Dropout) : nn.Identity();
        scaling = options.Scaling;
        using (torch.no_grad())
        {
            // kaiming_uniform_(a = √5) as PEFT uses reduces to U(-1/√fan_in, 1/√fan_in).
            var bound = 1.0 / Math.Sqrt(inputs);
            lora_A.weight!.uniform_(-bound, bound, generator);
            lora_B.weight!.zero_();
        }

        weight.requires_grad = false;
        if (bias is not null)
        {
            bias.requires_grad = false;
        }

        RegisterComponents();
    }

    /// <summary>Whether the adapter is currently added into the base weight.</summary>
    public bool Merged { get; private set; }

    /// <summary>The adapter's down projection [r, in].</summary>
    public Parameter LoraA => lora_A.weight!;

    /// <summary>The adapter's up projection [out, r].</summary>
    public Parameter LoraB => lora_B.weight!;

    /// <summary>The base weight (in the base layer's own layout).</summary>
    public Parameter Weight => weight;

    /// <summary>The adapter's contribution to the base weight, in the base layer's layout.</summary>
    public Tensor Delta()
    {
        using var scope = torch.NewDisposeScope();
        var delta = lora_B.weight!.matmul(lora_A.weight!) * scaling;
        return (fanInFanOut ? delta.t() : delta).to_type(weight.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>The base weight with the adapter added, without changing the layer.</summary>
    public Tensor MergedWeight()
    {
        using var noGrad = torch.no_grad();
        if (Merged)
        {
            return weight.detach().clone();
        }

        using var delta = Delta();
        return weight.detach() + delta;
    }

    /// <summary>Adds the adapter into the base weight; the forward pass then uses the base weight alone.</summary>
    public void Merge()
    {
        if (Merged)
        {
            return;
        }

        using (torch.no_grad())
        using (var delta = Delta())
        {
            weight.add_(delta);
        }

        Merged = true;
    }

    /// <summary>Subtracts the adapter from the base weight again.</summary>
    public void Unmerge()
    {
        if (!Merged)
        {
            return;
        }

        using (torch.no_grad())
        using (var delta = Delta())
        {
            weight.sub_(delta);
        }

        Merged = false;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var result = fanInFanOut
            ? (bias is null ? input.matmul(weight) : input.matmul(weight) + bias)
            : nn.functional.linear(input, weight, bias);
        if (!Merged)
        {
            result = result + lora_B.forward(lora_A.forward(lora_dropout.forward(input))) * scaling;
        }

        return result.MoveToOuterDisposeScope();
    }
}
