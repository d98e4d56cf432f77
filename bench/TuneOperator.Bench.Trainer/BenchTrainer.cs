using System.Diagnostics;
using TorchSharp;
using TuneOperator.Trainer.Models;
using TuneOperator.Trainer.Peft;
using TuneOperator.Trainer.Training;
using static TorchSharp.torch;

namespace TuneOperator.Bench.Trainer;

/// <summary>
/// A model, its optimizer and the training step of <c>TrainingLoop</c> (loss sum over targets, backward, global-norm
/// clipping to 1.0, AdamW), with each phase timed. bf16 follows <c>ComputePrecision.BFloat16</c>: fp32 master weights
/// are taken from the fp32 model, the model is cast to bf16, and AdamW updates the masters and writes them back.
/// </summary>
public sealed class BenchTrainer : IDisposable
{
    private const double LearningRate = 1e-4;
    private const double MaxGradNorm = 1.0;
    private readonly LanguageModel model;
    private readonly AdamW optimizer;
    private long steps;
    private readonly CausalLanguageModelObjective objective = new();
    private readonly BenchModel preset;
    private readonly Generator dataGenerator;

    /// <summary>Builds the model and optimizer <paramref name="options"/> describes.</summary>
    public BenchTrainer(BenchOptions options)
    {
        preset = options.Model;
        var config = preset.ToConfig();
        model = ModelFactory.Create(config, options.Seed);
        if (options.Lora)
        {
            Lora.Apply(model, new LoraOptions(8, 16, 0, [LoraOptions.AllLinear]), options.Seed);
        }

        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        Dictionary<string, Tensor>? masters = null;
        if (options.Bf16)
        {
            using (no_grad())
            {
                masters = trainable.ToDictionary(p => p.name, p => p.parameter.detach().to_type(ScalarType.Float32).clone().DetachFromDisposeScope());
            }

            model.to(ScalarType.BFloat16);
            trainable = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        }

        optimizer = new AdamW(trainable.Select(p => (p.name, (Tensor)p.parameter)), new AdamWOptions(WeightDecay: 0.01), masters);
        if (masters is not null)
        {
            foreach (var master in masters.Values)
            {
                master.Dispose();
            }
        }

        TrainableParameters = trainable.Sum(p => p.parameter.numel());
        TotalParameters = model.parameters().Sum(p => p.numel());
        FlopsPerStep = Flops.PerStep(config, TotalParameters - TrainableParameters, TrainableParameters, preset.TokensPerStep, preset.SequenceLength);
        dataGenerator = new Generator((ulong)options.Seed + 1);
        model.train();
    }

    /// <summary>All parameters (tied embeddings once).</summary>
    public long TotalParameters { get; }

    /// <summary>The parameters AdamW updates.</summary>
    public long TrainableParameters { get; }

    /// <summary>Model FLOPs of one step (see <see cref="Flops"/>).</summary>
    public double FlopsPerStep { get; }

    /// <summary>Runs one training step on fresh uniformly random token ids and times its phases.</summary>
    public StepTimings Step()
    {
        // The trainer's loop trims the native heap every NativeHeapTrim.Interval steps; the benchmark does the same.
        using var scope = NewDisposeScope();
        var ids = randint(0, preset.Init.VocabSize, [preset.BatchSize, preset.SequenceLength], dtype: ScalarType.Int64, generator: dataGenerator);
        var batch = new Batch(ids, ids);
        var started = Stopwatch.GetTimestamp();
        var targets = objective.CountTargets(batch);
        var loss = objective.LossSum(model, batch).div(Math.Max(1, targets));
        var forwardDone = Stopwatch.GetTimestamp();
        loss.backward();
        var backwardDone = Stopwatch.GetTimestamp();
        optimizer.ClipGradients(MaxGradNorm);
        optimizer.Step(LearningRate);
        optimizer.ZeroGrad();
        NativeHeapTrim.AfterStep(++steps);
        var optimizerDone = Stopwatch.GetTimestamp();
        return new StepTimings(
            Stopwatch.GetElapsedTime(started, forwardDone).TotalSeconds,
            Stopwatch.GetElapsedTime(forwardDone, backwardDone).TotalSeconds,
            Stopwatch.GetElapsedTime(backwardDone, optimizerDone).TotalSeconds,
            loss.item<float>());
    }

    /// <inheritdoc />
    public void Dispose()
    {
        optimizer.Dispose();
        model.Dispose();
        dataGenerator.Dispose();
    }
}
