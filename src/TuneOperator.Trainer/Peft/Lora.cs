using TorchSharp;
using TuneOperator.Data.ModelFiles;
using TuneOperator.Trainer.Models;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Peft;

/// <summary>
/// Applies, merges and extracts LoRA adapters the way PEFT does, so that adapters trained here load in PEFT and back.
/// </summary>
public static class Lora
{
    /// <summary>The prefix PEFT puts before the model's own keys in adapter files.</summary>
    public const string PeftPrefix = "base_model.model.";

    /// <summary>
    /// Freezes every parameter of <paramref name="model"/>, wraps the projections that <paramref name="options"/>
    /// targets with <see cref="LoraLinear"/> (adapters initialised from <paramref name="seed"/>), and leaves a
    /// classification head trainable. Throws naming the available modules when no target matches.
    /// </summary>
    public static LoraAdapter Apply(LanguageModel model, LoraOptions options, long seed = 0)
    {
        options.Validate();
        if (FindLayers(model).Count > 0)
        {
            throw new InvalidOperationException("The model already carries a LoRA adapter; apply LoRA once per model.");
        }

        using var generator = new Generator((ulong)seed);
        foreach (var parameter in model.parameters())
        {
            parameter.requires_grad = false;
        }

        var allLinear = options.TargetModules.Count == 1 && options.TargetModules[0] == LoraOptions.AllLinear;
        var hosts = model.named_modules().Where(entry => entry.module is ILinearHost).ToList();
        var wrapped = new List<string>();
        var available = new SortedSet<string>(StringComparer.Ordinal);
        var fanInFanOut = false;
        foreach (var (hostName, module) in hosts)
        {
            var host = (ILinearHost)module;
            foreach (var linearName in host.LinearNames)
            {
                var fullName = $"{hostName}.{linearName}";
                available.Add(linearName);
                if (!allLinear && !options.TargetModules.Any(target => Matches(fullName, target)))
                {
                    continue;
                }

                var baseLayer = host.GetLinear(linearName);
                fanInFanOut |= baseLayer is Conv1D;
                host.SetLinear(linearName, new LoraLinear(baseLayer, options, generator));
                wrapped.Add(fullName);
            }
        }

        if (wrapped.Count == 0)
        {
            throw new ArgumentException($"lora.targetModules [{string.Join(", ", options.TargetModules)}] match no module of this {model.Config.Architecture}; the projections are {string.Join(", ", available)} (or use {LoraOptions.AllLinear}).", nameof(options));
        }

        var modulesToSave = new List<string>();
        if (model.Config.Head == ModelHead.SequenceClassification)
        {
            modulesToSave.Add("score");
            foreach (var (name, parameter) in model.named_parameters())
            {
                if (name.StartsWith("score.", StringComparison.Ordinal))
                {
                    parameter.requires_grad = true;
                }
            }
        }

        var targetNames = wrapped.Select(name => name[(name.LastIndexOf('.') + 1)..]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return new LoraAdapter(options, wrapped, targetNames, modulesToSave, fanInFanOut);
    }

    /// <summary>The LoRA layers of <paramref name="model"/> by full module name.</summary>
    public static IReadOnlyList<(string Name, LoraLinear Layer)> FindLayers(LanguageModel model) =>
        model.named_modules().Where(entry => entry.module is LoraLinear).Select(entry => (entry.name, (LoraLinear)entry.module)).ToList();

    /// <summary>Adds every adapter into its base weight.</summary>
    public static void Merge(LanguageModel model)
    {
        foreach (var (_, layer) in FindLayers(model))
        {
            layer.Merge();
        }
    }

    /// <summary>Takes every adapter out of its base weight again.</summary>
    public static void Unmerge(LanguageModel model)
    {
        foreach (var (_, layer) in FindLayers(model))
        {
            layer.Unmerge();
        }
    }

    /// <summary>The parameters an optimizer should update (those that require gradients).</summary>
    public static IReadOnlyList<TorchSharp.Modules.Parameter> TrainableParameters(LanguageModel model) =>
        model.parameters().Where(parameter => parameter.requires_grad).ToList();

    /// <summary>
    /// The adapter's tensors under PEFT's key names: <c>base_model.model.&lt;module&gt;.lora_A.weight</c>,
    /// <c>...lora_B.weight</c>, and the modules to save (e.g. <c>base_model.model.score.weight</c>).
    /// </summary>
    public static IReadOnlyList<(string Name, Tensor Tensor)> AdapterTensors(LanguageModel model, LoraAdapter adapter)
    {
        var result = new List<(string, Tensor)>();
        foreach (var (name, tensor) in model.state_dict())
        {
            var isAdapter = name.Contains(".lora_A.", StringComparison.Ordinal) || name.Contains(".lora_B.", StringComparison.Ordinal);
            var isSaved = adapter.ModulesToSave.Any(module => name.StartsWith(module + ".", StringComparison.Ordinal));
            if (isAdapter || isSaved)
            {
                result.Add((PeftPrefix + name, tensor));
            }
        }

        return result;
    }

    /// <summary>Whether module <paramref name="fullName"/> is selected by the PEFT target <paramref name="target"/>.</summary>
    public static bool Matches(string fullName, string target) =>
        fullName == target || fullName.EndsWith("." + target, StringComparison.Ordinal);
}
