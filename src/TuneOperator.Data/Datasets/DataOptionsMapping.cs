using TuneOperator.Api;
using ApiFormat = TuneOperator.Api.DatasetFormat;

namespace TuneOperator.Data.Datasets;

/// <summary>Maps a FineTuneJob's <c>spec.dataset</c>, <c>spec.objective</c> and seed onto <see cref="DataOptions"/>.</summary>
public static class DataOptionsMapping
{
    /// <summary>
    /// Builds the data options of <paramref name="spec"/>. Over-long rows are truncated unless
    /// <c>preprocessing.dropOverLength</c> is set; a mix shares one validation file only when its datasets share a
    /// format. The result is validated.
    /// </summary>
    /// <param name="spec">The job's spec.</param>
    /// <param name="resolveLocation">Turns a data location (e.g. <c>pvc://data/train.jsonl</c>) into a local path.</param>
    /// <exception cref="ArgumentException">The spec lacks data or names an invalid combination; the message names the field.</exception>
    public static DataOptions FromSpec(FineTuneJobSpec spec, Func<string, string> resolveLocation)
    {
        var dataset = spec.Dataset;
        IReadOnlyList<DatasetSource> sources;
        DatasetFormat format;
        if (dataset.Mix is { Count: > 0 } mix)
        {
            sources = [.. mix.Select(m => new DatasetSource(resolveLocation(m.Train), m.Weight, m.Name, Map(m.Format)))];
            format = Map(mix[0].Format);
        }
        else
        {
            var train = dataset.Train ?? throw new ArgumentException("dataset.train is required: give a JSONL location (or dataset.mix)", nameof(spec));
            format = Map(dataset.Format ?? throw new ArgumentException("dataset.format is required when dataset.train is set", nameof(spec)));
            sources = [new DatasetSource(resolveLocation(train))];
        }

        var seed = (ulong)spec.Hyperparameters.Seed;
        var preprocessing = dataset.Preprocessing;
        var options = new DataOptions
        {
            Sources = sources,
            Format = format,
            Validation = dataset.Validation is null ? null : resolveLocation(dataset.Validation),
            ValidationSplit = dataset.ValidationSplit ?? 0,
            MaxSeqLength = dataset.MaxSeqLength,
            Packing = dataset.Packing,
            ResponseOnly = spec.Objective.Type == ObjectiveType.ResponseOnly,
            Labels = spec.Objective.Classification?.Labels ?? [],
            Seed = seed,
            Preprocessing = new PreprocessingOptions
            {
                Trim = preprocessing.Trim,
                DropEmpty = preprocessing.DropEmpty,
                DropMalformed = preprocessing.DropMalformed,
                DropDuplicates = preprocessing.DropDuplicates,
                TruncateOverLong = !preprocessing.DropOverLength,
                Augmentation = preprocessing.Augmentation is { } augmentation
                    ? new AugmentationOptions
                    {
                        VariantsPerRow = augmentation.Copies,
                        Probability = 1,
                        WordDropout = augmentation.WordDropout,
                        WordSwap = augmentation.WordSwap,
                        Seed = seed,
                    }
                    : null,
            },
        };
        options.Validate();
        return options;
    }

    private static DatasetFormat Map(ApiFormat format) => format switch
    {
        ApiFormat.Instruction => DatasetFormat.Instruction,
        ApiFormat.Chat => DatasetFormat.Chat,
        ApiFormat.Completion => DatasetFormat.Completion,
        ApiFormat.Classification => DatasetFormat.Classification,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown dataset format"),
    };
}
