using k8s.Models;
using TuneOperator.Api;

namespace TuneOperator.EndToEnd.Tests;

/// <summary>FineTuneJobs of a tiny Llama trained from scratch on <see cref="TinyTrainingData"/> in claim <c>data</c>, writing to claim <c>results</c>.</summary>
internal static class TinyJobs
{
    /// <summary>The claim holding the tokenizer and the training data.</summary>
    public const string DataClaim = "data";

    /// <summary>The claim the trainer writes checkpoints and the output model to.</summary>
    public const string ResultsClaim = "results";

    /// <summary>
    /// A job of <paramref name="maxSteps"/> steps (batch 4, sequences of 32 tokens, hidden size 32, 2 layers) that saves a
    /// checkpoint every <paramref name="checkpointEvery"/> steps into <c>results/&lt;name&gt;/checkpoints</c>, evaluates on a
    /// 10% split at the end (and every <paramref name="evaluateEvery"/> steps when set), and exports to
    /// <c>results/&lt;name&gt;/model</c>.
    /// </summary>
    public static FineTuneJob Create(string name, int vocabularySize, int maxSteps, int checkpointEvery, int keepLast = 3, int backoffLimit = 3, int? evaluateEvery = null) => new()
    {
        ApiVersion = ApiGroup.Group + "/" + ApiGroup.Version,
        Kind = FineTuneJob.KindName,
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = EndToEndCluster.Ns },
        Spec = new FineTuneJobSpec
        {
            Model = new ModelSpec
            {
                Init = new ModelInit
                {
                    Architecture = ModelArchitecture.Llama,
                    VocabSize = vocabularySize,
                    HiddenSize = 32,
                    Layers = 2,
                    Heads = 2,
                    IntermediateSize = 64,
                    MaxPositionEmbeddings = 64,
                    Tokenizer = $"pvc://{DataClaim}/{TinyTrainingData.TokenizerFolder}",
                },
            },
            Dataset = new DatasetSpec
            {
                Train = $"pvc://{DataClaim}/{TinyTrainingData.TrainFile}",
                Format = DatasetFormat.Completion,
                ValidationSplit = 0.1,
                MaxSeqLength = 32,
            },
            Hyperparameters = new HyperparametersSpec
            {
                LearningRate = 3e-3,
                Epochs = 100,
                MaxSteps = maxSteps,
                BatchSize = 4,
                WarmupSteps = 2,
                Seed = 7,
            },
            Evaluation = evaluateEvery is { } every ? new EvaluationSpec { EverySteps = every } : null,
            Checkpoint = new CheckpointSpec { EverySteps = checkpointEvery, KeepLast = keepLast, Location = $"pvc://{ResultsClaim}/{name}/checkpoints" },
            Output = new OutputSpec { Location = $"pvc://{ResultsClaim}/{name}/model" },
            RunPolicy = new RunPolicySpec { BackoffLimit = backoffLimit },
        },
    };
}
