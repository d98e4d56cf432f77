using TorchSharp;
using TorchSharp.Modules;
using TuneOperator.Data.ModelFiles;
using TuneOperator.Trainer.Models;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Tests.Models;

/// <summary>Tiny model configs and small helpers for the model tests.</summary>
internal static class TinyModels
{
    public static ModelConfig Llama(bool tied = false, int kvHeads = 2, string architecture = "llama", ModelHead head = ModelHead.CausalLM) =>
        new ModelInitOptions(architecture, VocabSize: 32, HiddenSize: 16, Layers: 2, Heads: 4, KeyValueHeads: kvHeads, IntermediateSize: 24, MaxPositions: 64, TieWordEmbeddings: tied)
            .ToConfig(head, numLabels: 3);

    public static ModelConfig Gpt2(ModelHead head = ModelHead.CausalLM) =>
        new ModelInitOptions("gpt2", VocabSize: 32, HiddenSize: 16, Layers: 2, Heads: 4, MaxPositions: 64).ToConfig(head, numLabels: 3);

    public static Tensor Ids(params long[][] rows) =>
        torch.tensor(rows.SelectMany(row => row).ToArray(), [rows.Length, rows[0].Length], ScalarType.Int64);

    public static float MaxDifference(Tensor a, Tensor b)
    {
        using var scope = torch.NewDisposeScope();
        return (a.to_type(ScalarType.Float32) - b.to_type(ScalarType.Float32)).abs().max().ToSingle();
    }

    /// <summary>Whether two tensors have the same shape and bit-identical values.</summary>
    public static bool Identical(Tensor a, Tensor b)
    {
        using var scope = torch.NewDisposeScope();
        return a.shape.SequenceEqual(b.shape) && a.eq(b).all().ToBoolean();
    }

    public static Dictionary<string, Tensor> Snapshot(nn.Module model) =>
        model.state_dict().ToDictionary(pair => pair.Key, pair => pair.Value.detach().clone(), StringComparer.Ordinal);

    /// <summary>Trains next-token prediction on <paramref name="ids"/> and returns the loss of every step.</summary>
    public static List<float> TrainLanguageModel(LanguageModel model, IEnumerable<Parameter> parameters, Tensor ids, int steps, double learningRate)
    {
        var optimizer = torch.optim.AdamW(parameters, learningRate, weight_decay: 0.01);
        var losses = new List<float>();
        model.train();
        for (var step = 0; step < steps; step++)
        {
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            var logits = model.forward(ids);
            var vocab = logits.shape[2];
            var inputs = logits[.., ..^1, ..].reshape(-1, vocab);
            var targets = ids[.., 1..].reshape(-1);
            var loss = nn.functional.cross_entropy(inputs, targets);
            loss.backward();
            optimizer.step();
            losses.Add(loss.ToSingle());
        }

        model.eval();
        return losses;
    }
}
