using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;
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
        SafeTensorsFile.Write(Path.Combine(directory, ModelFile), SelectWeights(model, state.WeightsKind).Select(p => (p.Key, p.Value)));
        SafeTensorsFile.Write(Path.Combine(directory, OptimizerFile), optimizer.StateTensors());
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
    public static TrainerState Restore(string directory, nn.Module<Tensor, Tensor> model, AdamW optimizer)
    {
        var state = ReadState(directory);
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            var saved = SafeTensorsFile.Read(Path.Combine(directory, ModelFile));
            var targets = SelectWeights(model, state.WeightsKind);
            foreach (var (name, target) in targets)
            {
                if (!saved.TryGetValue(name, out var source))
                {
                    throw new InvalidDataException($"{directory}/{ModelFile} has no tensor '{name}' (expected shape [{string.Join(", ", target.shape)}]); it was saved from a different model.");
                }

                if (!source.shape.SequenceEqual(target.shape))
                {
                    throw new InvalidDataException($"{directory}/{ModelFile}: tensor '{name}' has shape [{string.Join(", ", source.shape)}], the model expects [{string.Join(", ", target.shape)}].");
                }

                target.copy_(source);
            }

            var unexpected = saved.Keys.Except(targets.Keys).ToList();
            if (unexpected.Count > 0)
            {
                throw new InvalidDataException($"{directory}/{ModelFile} holds tensors the model does not have: {string.Join(", ", unexpected.Take(5))}.");
            }

            optimizer.LoadState(SafeTensorsFile.Read(Path.Combine(directory, OptimizerFile)), state.OptimizerSteps);
        }

        set_rng_state(tensor(File.ReadAllBytes(Path.Combine(directory, RngFile))));
        return state;
    }

    private static Dictionary<string, Tensor> SelectWeights(nn.Module<Tensor, Tensor> model, CheckpointWeights kind)
        => kind == CheckpointWeights.All
            ? model.state_dict()
            : model.named_parameters().Where(p => p.parameter.requires_grad).ToDictionary(p => p.name, p => (Tensor)p.parameter);
}
