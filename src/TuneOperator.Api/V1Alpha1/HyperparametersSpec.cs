using System.Text.Json.Serialization;

namespace TuneOperator.Api;

/// <summary>Optimiser (AdamW) and schedule settings.</summary>
[CelRule("!has(self.maxSteps) || !has(self.warmupSteps) || self.warmupSteps < self.maxSteps", "warmupSteps must be lower than maxSteps",
    FieldPath = ".warmupSteps")]
public sealed record HyperparametersSpec
{
    /// <summary>Peak learning rate of AdamW, greater than 0 and at most 1; typical values are 2e-4 for LoRA and
    /// 2e-5 for full fine-tuning. Default 0.0002.</summary>
    [JsonPropertyName("learningRate")]
    [Minimum(0, Exclusive = true)]
    [Maximum(1)]
    [CelRule("self > 0.0", "learningRate must be greater than 0, e.g. 0.0002")]
    public double LearningRate { get; set; } = 2e-4;

    /// <summary>Number of passes over the training data. Default 1.</summary>
    [JsonPropertyName("epochs")]
    [Minimum(1)]
    [Maximum(1000)]
    public int Epochs { get; set; } = 1;

    /// <summary>Stop after this many optimiser steps even if epochs are not done; unset means no limit.</summary>
    [JsonPropertyName("maxSteps")]
    [Minimum(1)]
    [Maximum(100000000)]
    public long? MaxSteps { get; set; }

    /// <summary>Sequences per micro-batch. Default 8.</summary>
    [JsonPropertyName("batchSize")]
    [Minimum(1)]
    [Maximum(4096)]
    public int BatchSize { get; set; } = 8;

    /// <summary>Micro-batches accumulated per optimiser step; the effective batch is batchSize × this. Default 1.</summary>
    [JsonPropertyName("gradientAccumulationSteps")]
    [Minimum(1)]
    [Maximum(1024)]
    public int GradientAccumulationSteps { get; set; } = 1;

    /// <summary>Optimiser steps of linear warm-up from 0 to learningRate. Default 0.</summary>
    [JsonPropertyName("warmupSteps")]
    [Minimum(0)]
    [Maximum(100000000)]
    public long WarmupSteps { get; set; }

    /// <summary>Learning-rate schedule after warm-up: <c>constant</c>, <c>linear</c> (decay to 0) or <c>cosine</c>
    /// (cosine decay to 0). Default cosine.</summary>
    [JsonPropertyName("scheduler")]
    public LearningRateScheduler Scheduler { get; set; } = LearningRateScheduler.Cosine;

    /// <summary>AdamW decoupled weight decay, 0 to 1. Default 0.</summary>
    [JsonPropertyName("weightDecay")]
    [Minimum(0)]
    [Maximum(1)]
    public double WeightDecay { get; set; }

    /// <summary>Clip the global gradient norm to this value; 0 disables clipping. Default 1.</summary>
    [JsonPropertyName("maxGradNorm")]
    [Minimum(0)]
    [Maximum(1000)]
    public double MaxGradNorm { get; set; } = 1.0;

    /// <summary>Random seed for initialisation, shuffling, splits, dropout and augmentation; the same seed and
    /// inputs reproduce a run. Default 42.</summary>
    [JsonPropertyName("seed")]
    [Minimum(0)]
    [Maximum(2147483647)]
    public int Seed { get; set; } = 42;

    /// <summary>Numeric precision of the forward and backward pass: <c>fp32</c> or <c>bf16</c> (GPU only; master
    /// weights stay fp32). Default fp32.</summary>
    [JsonPropertyName("precision")]
    public Precision Precision { get; set; } = Precision.Fp32;
}

/// <summary>A learning-rate schedule.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LearningRateScheduler>))]
public enum LearningRateScheduler
{
    /// <summary>Constant learning rate after warm-up.</summary>
    [JsonStringEnumMemberName("constant")]
    Constant,

    /// <summary>Linear decay to 0 after warm-up.</summary>
    [JsonStringEnumMemberName("linear")]
    Linear,

    /// <summary>Cosine decay to 0 after warm-up.</summary>
    [JsonStringEnumMemberName("cosine")]
    Cosine,
}

/// <summary>Numeric precision of training.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Precision>))]
public enum Precision
{
    /// <summary>32-bit floating point.</summary>
    [JsonStringEnumMemberName("fp32")]
    Fp32,

    /// <summary>bfloat16 autocast with fp32 master weights.</summary>
    [JsonStringEnumMemberName("bf16")]
    Bf16,
}
