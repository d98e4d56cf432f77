using TorchSharp;
using TuneOperator.Data.ModelFiles;
using TuneOperator.Trainer.Models;
using TuneOperator.Trainer.Peft;
using Xunit;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Tests.Models;

public sealed class TrainingBehaviourTests
{
    public TrainingBehaviourTests() => TorchRuntime.Initialize(2);

    private static Tensor Sequence() => TinyModels.Ids([1, 5, 9, 13, 17, 21, 25, 29, 2, 6, 10, 14, 18, 22, 26, 30]);

    [Theory]
    [InlineData("llama")]
    [InlineData("gpt2")]
    public void Tiny_model_overfits_a_short_sequence(string architecture)
    {
        var config = architecture == "gpt2" ? TinyModels.Gpt2() : TinyModels.Llama();
        using var model = ModelFactory.Create(config, seed: 1);
        using var ids = Sequence();
        var losses = TinyModels.TrainLanguageModel(model, model.parameters(), ids, steps: 40, learningRate: 0.02);
        Assert.True(losses[0] > 3.0, $"initial loss {losses[0]} should be near ln(32)");
        Assert.True(losses[^1] < 0.3 * losses[0], $"loss fell only from {losses[0]} to {losses[^1]}");
    }

    [Theory]
    [InlineData("llama", "q_proj,v_proj", 4)]
    [InlineData("gpt2", "c_attn", 2)]
    [InlineData("llama", "all-linear", 14)]
    public void Lora_training_changes_only_adapter_tensors(string architecture, string targets, int wrapped)
    {
        var config = architecture == "gpt2" ? TinyModels.Gpt2() : TinyModels.Llama();
        using var model = ModelFactory.Create(config, seed: 1);
        var adapter = Lora.Apply(model, new LoraOptions(4, 8, 0.0, targets.Split(',')), seed: 2);
        Assert.Equal(wrapped, adapter.Modules.Count);
        var trainable = Lora.TrainableParameters(model);
        Assert.Equal(2 * wrapped, trainable.Count);
        var before = TinyModels.Snapshot(model);
        using var ids = Sequence();

        var losses = TinyModels.TrainLanguageModel(model, model.parameters(), ids, steps: 5, learningRate: 0.01);

        Assert.True(losses[^1] < losses[0]);
        foreach (var (name, tensor) in model.state_dict())
        {
            var isAdapter = name.Contains(".lora_A.", StringComparison.Ordinal) || name.Contains(".lora_B.", StringComparison.Ordinal);
            var changed = !TinyModels.Identical(tensor, before[name]);
            Assert.True(isAdapter == changed, $"{name}: adapter={isAdapter}, changed={changed}");
        }
    }

    [Fact]
    public void Lora_starts_as_the_identity_and_merged_logits_equal_adapter_logits()
    {
        foreach (var config in new[] { TinyModels.Llama(), TinyModels.Gpt2() })
        {
            using var model = ModelFactory.Create(config, seed: 1);
            using var ids = Sequence();
            Tensor baseLogits;
            using (torch.no_grad())
            {
                baseLogits = model.forward(ids);
            }

            Lora.Apply(model, new LoraOptions(4, 16, 0.1, [LoraOptions.AllLinear]), seed: 3);
            model.eval();
            using (torch.no_grad())
            {
                Assert.True(TinyModels.MaxDifference(baseLogits, model.forward(ids)) < 1e-6, "B = 0 makes the adapter start as the identity");
            }

            TinyModels.TrainLanguageModel(model, Lora.TrainableParameters(model), ids, steps: 5, learningRate: 0.02);
            using var noGrad = torch.no_grad();
            var adapterLogits = model.forward(ids);
            Assert.True(TinyModels.MaxDifference(baseLogits, adapterLogits) > 1e-3, "training changed the output");
            var baseWeights = TinyModels.Snapshot(model);

            Lora.Merge(model);
            Assert.All(Lora.FindLayers(model), layer => Assert.True(layer.Layer.Merged));
            Assert.True(TinyModels.MaxDifference(adapterLogits, model.forward(ids)) < 1e-5, config.ModelType);

            Lora.Unmerge(model);
            Assert.True(TinyModels.MaxDifference(adapterLogits, model.forward(ids)) < 1e-5);
            foreach (var (name, tensor) in model.state_dict())
            {
                Assert.True(TinyModels.MaxDifference(tensor, baseWeights[name]) < 1e-6, name);
            }
        }
    }

    [Fact]
    public void Lora_adapter_keys_are_peft_keys()
    {
        using var model = ModelFactory.Create(TinyModels.Llama(), seed: 1);
        var adapter = Lora.Apply(model, new LoraOptions(4, 8, 0, ["q_proj", "v_proj"]));
        var tensors = Lora.AdapterTensors(model, adapter).ToDictionary(entry => entry.Name, entry => entry.Tensor.shape);
        Assert.Equal(8, tensors.Count);
        Assert.Equal([4L, 16], tensors["base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"]);
        Assert.Equal([16L, 4], tensors["base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight"]);
        Assert.Equal([8L, 4], tensors["base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight"]);
        Assert.Equal(["q_proj", "v_proj"], adapter.TargetNames);
        Assert.Contains("model.layers.0.self_attn.q_proj.weight", model.state_dict().Keys);
    }

    [Fact]
    public void Lora_with_unknown_targets_lists_the_available_modules()
    {
        using var model = ModelFactory.Create(TinyModels.Gpt2());
        var error = Assert.Throws<ArgumentException>(() => Lora.Apply(model, new LoraOptions(4, 8, 0, ["q_proj"])));
        Assert.Contains("c_attn", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new LoraOptions(0, 8, 0, ["q_proj"]).Validate());
    }

    [Fact]
    public void Frozen_layers_and_embeddings_stay_bit_identical()
    {
        foreach (var config in new[] { TinyModels.Llama(tied: true), TinyModels.Gpt2() })
        {
            using var model = ModelFactory.Create(config, seed: 1);
            var frozen = Freezing.FreezeFirstLayers(model, 1);
            var before = TinyModels.Snapshot(model);
            using var ids = Sequence();

            TinyModels.TrainLanguageModel(model, Lora.TrainableParameters(model), ids, steps: 4, learningRate: 0.01);

            var layer0 = model.LayerPrefix(0);
            var layer1 = model.LayerPrefix(1);
            foreach (var (name, tensor) in model.state_dict())
            {
                if (name.StartsWith(layer0, StringComparison.Ordinal) || frozen.Contains(name))
                {
                    Assert.True(TinyModels.Identical(tensor, before[name]), $"{name} is frozen but changed");
                }
                else if (name.StartsWith(layer1, StringComparison.Ordinal) && name.EndsWith("weight", StringComparison.Ordinal))
                {
                    Assert.False(TinyModels.Identical(tensor, before[name]), $"{name} is trainable but did not change");
                }
            }

            Assert.Contains($"{model.BackbonePrefix}.{model.Backbone.EmbeddingNames[0]}.weight", frozen);
        }

        using var small = ModelFactory.Create(TinyModels.Llama());
        Assert.Throws<ArgumentOutOfRangeException>(() => Freezing.FreezeFirstLayers(small, 3));
    }

    [Fact]
    public void Classification_head_scores_the_last_real_token()
    {
        foreach (var config in new[] { TinyModels.Llama(head: ModelHead.SequenceClassification), TinyModels.Gpt2(ModelHead.SequenceClassification) with { PadTokenId = 0 } })
        {
            using var model = ModelFactory.Create(config, seed: 1);
            Assert.Contains("score.weight", model.state_dict().Keys);
            Assert.Equal([3L, 16], model.state_dict()["score.weight"].shape);
            using var noGrad = torch.no_grad();
            var unpadded = model.forward(TinyModels.Ids([4, 8, 12]));
            Assert.Equal([1L, 3], unpadded.shape);
            var padded = model.Run(TinyModels.Ids([4, 8, 12, 0, 0], [5, 6, 7, 9, 10]), TinyModels.Ids([1, 1, 1, 0, 0], [1, 1, 1, 1, 1]), null);
            Assert.Equal([2L, 3], padded.shape);
            Assert.True(TinyModels.MaxDifference(unpadded[0], padded[0]) < 1e-5);
            if (config.PadTokenId is not null)
            {
                var byPadToken = model.forward(TinyModels.Ids([4, 8, 12, 0, 0]));
                Assert.True(TinyModels.MaxDifference(unpadded, byPadToken) < 1e-5);
            }
        }
    }

    [Fact]
    public void Classification_head_learns_to_separate_two_classes()
    {
        using var model = ModelFactory.Create(TinyModels.Llama(head: ModelHead.SequenceClassification), seed: 1);
        using var ids = TinyModels.Ids([1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]);
        using var labels = torch.tensor(new long[] { 0, 1, 2, 1 });
        var optimizer = torch.optim.AdamW(model.parameters(), 0.02);
        float first = 0, last = 0;
        model.train();
        for (var step = 0; step < 30; step++)
        {
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(model.forward(ids), labels);
            loss.backward();
            optimizer.step();
            last = loss.ToSingle();
            first = step == 0 ? last : first;
        }

        model.eval();
        using var noGrad = torch.no_grad();
        Assert.True(last < 0.2 * first, $"loss fell only from {first} to {last}");
        Assert.Equal([0L, 1, 2, 1], model.forward(ids).argmax(-1).data<long>().ToArray());
    }
}
