using TuneOperator.Data.ModelFiles;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Models;

/// <summary>How to load a model directory.</summary>
/// <param name="Dtype">The compute dtype the weights are converted to.</param>
/// <param name="Device">The device; null for CPU.</param>
/// <param name="Head">The head to build; null keeps the checkpoint's own head. A classification head on a causal-LM
/// checkpoint starts from a freshly initialised <c>score</c> (seeded with <paramref name="Seed"/>).</param>
/// <param name="NumLabels">Number of labels for a new classification head; null keeps the config's.</param>
/// <param name="Seed">Seed of the initialisation of weights the checkpoint does not provide (a new head).</param>
public sealed record ModelLoadOptions(
    ScalarType Dtype = ScalarType.Float32,
    Device? Device = null,
    ModelHead? Head = null,
    int? NumLabels = null,
    long Seed = 0);
