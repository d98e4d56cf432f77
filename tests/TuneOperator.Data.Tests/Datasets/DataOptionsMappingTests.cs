using TuneOperator.Api;
using TuneOperator.Data.Datasets;
using Xunit;
using ApiFormat = TuneOperator.Api.DatasetFormat;
using DatasetFormat = TuneOperator.Data.Datasets.DatasetFormat;

namespace TuneOperator.Data.Tests.Datasets;

public sealed class DataOptionsMappingTests
{
    private static FineTuneJobSpec Spec(DatasetSpec dataset, ObjectiveSpec? objective = null) => new()
    {
        Model = new ModelSpec(),
        Dataset = dataset,
        Objective = objective ?? new ObjectiveSpec(),
        Output = new OutputSpec { Location = "pvc://out/model" },
        Hyperparameters = new HyperparametersSpec { Seed = 7 },
    };

    private static string Resolve(string location) => location.Replace("pvc://", "/mnt/", StringComparison.Ordinal);

    [Fact]
    public void A_single_dataset_maps_with_its_preprocessing_and_objective()
    {
        var spec = Spec(
            new DatasetSpec
            {
                Train = "pvc://data/train.jsonl",
                Format = ApiFormat.Chat,
                ValidationSplit = 0.1,
                MaxSeqLength = 256,
                Packing = true,
                Preprocessing = new PreprocessingSpec { DropDuplicates = true, DropMalformed = false, Augmentation = new AugmentationSpec { Copies = 2, WordSwap = 0.1 } },
            },
            new ObjectiveSpec { Type = ObjectiveType.ResponseOnly });

        var options = DataOptionsMapping.FromSpec(spec, Resolve);

        Assert.Equal([new DatasetSource("/mnt/data/train.jsonl")], options.Sources);
        Assert.Equal((DatasetFormat.Chat, 256, true, true, 0.1, 7UL), (options.Format, options.MaxSeqLength, options.Packing, options.ResponseOnly, options.ValidationSplit, options.Seed));
        Assert.Equal(
            (true, true, false, true, true),
            (options.Preprocessing.Trim, options.Preprocessing.DropEmpty, options.Preprocessing.DropMalformed, options.Preprocessing.DropDuplicates, options.Preprocessing.TruncateOverLong));
        Assert.Equal(new AugmentationOptions { VariantsPerRow = 2, WordDropout = 0.1, WordSwap = 0.1, Seed = 7 }, options.Preprocessing.Augmentation);
    }

    [Fact]
    public void A_mix_maps_to_named_weighted_sources()
    {
        var spec = Spec(
            new DatasetSpec
            {
                Mix =
                [
                    new DatasetMixEntry { Name = "summarize", Train = "pvc://d/s.jsonl", Format = ApiFormat.Instruction, Weight = 3 },
                    new DatasetMixEntry { Name = "chat", Train = "pvc://d/c.jsonl", Format = ApiFormat.Chat },
                ],
                Preprocessing = new PreprocessingSpec { DropOverLength = true },
            });

        var options = DataOptionsMapping.FromSpec(spec, Resolve);

        Assert.Equal(
            [new DatasetSource("/mnt/d/s.jsonl", 3, "summarize", DatasetFormat.Instruction), new DatasetSource("/mnt/d/c.jsonl", 1, "chat", DatasetFormat.Chat)],
            options.Sources);
        Assert.False(options.Preprocessing.TruncateOverLong);
        Assert.Null(options.Preprocessing.Augmentation);
    }

    [Fact]
    public void Classification_labels_come_from_the_objective()
    {
        var spec = Spec(
            new DatasetSpec { Train = "pvc://d/t.jsonl", Format = ApiFormat.Classification, Validation = "pvc://d/v.jsonl" },
            new ObjectiveSpec { Type = ObjectiveType.Classification, Classification = new ClassificationSpec { Labels = ["neg", "pos"] } });

        var options = DataOptionsMapping.FromSpec(spec, Resolve);

        Assert.Equal(["neg", "pos"], options.Labels);
        Assert.Equal("/mnt/d/v.jsonl", options.Validation);
    }

    [Fact]
    public void A_shared_validation_file_for_a_mix_of_formats_is_refused()
    {
        var spec = Spec(new DatasetSpec
        {
            Mix =
            [
                new DatasetMixEntry { Name = "a", Train = "pvc://d/a.jsonl", Format = ApiFormat.Instruction },
                new DatasetMixEntry { Name = "b", Train = "pvc://d/b.jsonl", Format = ApiFormat.Completion },
            ],
            Validation = "pvc://d/v.jsonl",
        });

        var error = Assert.Throws<ArgumentException>(() => DataOptionsMapping.FromSpec(spec, Resolve));
        Assert.Contains("dataset.validation cannot serve a mix of formats", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_format_is_named()
    {
        var error = Assert.Throws<ArgumentException>(() => DataOptionsMapping.FromSpec(Spec(new DatasetSpec { Train = "pvc://d/t.jsonl" }), Resolve));
        Assert.Contains("dataset.format is required", error.Message, StringComparison.Ordinal);
    }
}
