using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;
using TuneOperator.Trainer.Models;
using TuneOperator.Trainer.Training;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Checkpoints;

/// <summary>
/// The contents of a training checkpoint: <c>model.safetensors</c> (all or only trainable weights),
/// <c>optimizer.safetensors</c> (AdamW moments and fp32 master weights), <c>rng_state.bin</c> (libtorch's CPU
/// generator, which drives dropout) and <c>trainer_state.json</c> (step, data position, schedule, early stopping,
/// guard baselines, best step).
/// </summary>
public static class TrainingCheckpoint
{
    /// <summary>The weights file.</summary>
    public const string ModelFile = "model.safetensors";

    /// <summary>The optimizer state file.</summary>
    public const string OptimizerFile = "optimizer.safetensors";

    /// <summary>The random generator state file.</summary>
    public const string RngFile = "rng_state.bin";

    /// <summary>The loop state file.</summary>
    public const string StateFile = "trainer_state.json";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Writes the checkpoint files into <paramref name="directory"/>.</summary>
    public static void Write(string directory, nn.Module<Tensor, Tensor> model, AdamW optimizer, TrainerState state)
    {
        SafetensorsTensors.WriteNewFile(Path.Combine(directory, ModelFile), SelectWeights(model, state.WeightsKind).Select(p => (p.Key, p.Value)));
        SafetensorsTensors.WriteNewFile(Path.Combine(directory, OptimizerFile), optimizer.StateTensors());
        using (var scope = NewDisposeScope())
        {
            File.WriteAllBytes(Path.Combine(directory, RngFile), get_rng_state().bytes.ToArray());
        }

        File.WriteAllBytes(Path.Combine(directory, StateFile), JsonSerializer.SerializeToUtf8Bytes(state, JsonOptions));
    }

    /// <summary>Reads only <c>trainer_state.json</c>.</summary>
    public static TrainerState ReadState(string directory)
        => JsonSerializer.Deserialize<TrainerState>(File.ReadAllBytes(Path.Combine(directory, StateFile)), JsonOptions)
           ?? throw new InvalidDataException($"{directory}: {StateFile} is empty.");

    /// <summary>
    /// Restores weights into <paramref name="model"/>, the optimizer state and the random generator state, and
    /// returns the loop state.
    /// </summary>
    /// <exception cref="InvalidDataException">A tensor is missing, unexpected or of the wrong shape; the message names it.</exception>
    /// <exception cref="TuneOperator.Data.ModelFiles.ModelFileException">A weights file is missing or not valid safetensors.</exception>
    public static TrainerState Restore(string directory, nn.Module<Tensor, Tensor> model, AdamW optimizer)
    {
        var state = ReadState(directory);
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            RestoreWeights(SafetensorsTensors.ReadFile(Path.Combine(directory, ModelFile)), model, $"{directory}/{ModelFile}", state.WeightsKind);
            optimizer.LoadState(SafetensorsTensors.ReadFile(Path.Combine(directory, OptimizerFile)), state.OptimizerSteps);
        }

        set_rng_state(tensor(File.ReadAllBytes(Path.Combine(directory, RngFile))));
        return state;
    }

    /// <summary>
    /// Puts the weights saved in the checkpoint at <paramref name="directory"/> back into <paramref name="model"/>,
    /// leaving optimizer and random state alone (used to return to the best checkpoint at the end of a run).
    /// </summary>
    /// <exception cref="InvalidDataException">A tensor is missing, unexpected or of the wrong shape; the message names it.</exception>
    public static void RestoreWeights(string directory, nn.Module<Tensor, Tensor> model)
    {
        var state = ReadState(directory);
        using var scope = NewDisposeScope();
        RestoreWeights(SafetensorsTensors.ReadFile(Path.Combine(directory, ModelFile)), model, $"{directory}/{ModelFile}", state.WeightsKind);
    }

    /// <summary>Copies <paramref name="weights"/> (as <see cref="CopyWeights"/> made them) into <paramref name="model"/>.</summary>
    /// <param name="weights">The weights by state-dict name.</param>
    /// <param name="model">The model to overwrite.</param>
    /// <param name="origin">Where the weights came from, for error messages.</param>
    /// <param name="kind">Whether <paramref name="weights"/> hold all weights or the trainable ones only.</param>
    /// <exception cref="InvalidDataException">A tensor is missing, unexpected or of the wrong shape; the message names it.</exception>
    public static void RestoreWeights(IReadOnlyDictionary<string, Tensor> weights, nn.Module<Tensor, Tensor> model, string origin, CheckpointWeights kind)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(model);
        using var noGrad = no_grad();
        var targets = SelectWeights(model, kind);
        foreach (var (name, target) in targets)
        {
            if (!weights.TryGetValue(name, out var source))
            {
                throw new InvalidDataException($"{origin} has no tensor '{name}' (expected shape [{string.Join(", ", target.shape)}]); it was saved from a different model.");
            }

            if (!source.shape.SequenceEqual(target.shape))
            {
                throw new InvalidDataException($"{origin}: tensor '{name}' has shape [{string.Join(", ", source.shape)}], the model expects [{string.Join(", ", target.shape)}].");
            }

            target.copy_(source);
        }

        var unexpected = weights.Keys.Except(targets.Keys).ToList();
        if (unexpected.Count > 0)
        {
            throw new InvalidDataException($"{origin} holds tensors the model does not have: {string.Join(", ", unexpected.Take(5))}.");
        }
    }

    /// <summary>
    /// CPU copies of the weights a checkpoint of <paramref name="kind"/> would save, owned by the caller (outside any
    /// dispose scope: dispose them when done).
    /// </summary>
    public static Dictionary<string, Tensor> CopyWeights(nn.Module<Tensor, Tensor> model, CheckpointWeights kind)
    {
        using var noGrad = no_grad();
        return SelectWeights(model, kind).ToDictionary(p => p.Key, p => p.Value.detach().cpu().clone().DetachFromDisposeScope(), StringComparer.Ordinal);
    }

    private static Dictionary<string, Tensor> SelectWeights(nn.Module<Tensor, Tensor> model, CheckpointWeights kind)
        => kind == CheckpointWeights.All
            ? model.state_dict()
            : model.named_parameters().Where(p => p.parameter.requires_grad).ToDictionary(p => p.name, p => (Tensor)p.parameter);
}
