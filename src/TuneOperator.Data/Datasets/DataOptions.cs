namespace TuneOperator.Data.Datasets;

/// <summary>
/// Everything the data pipeline needs to turn JSONL files into training batches. The trainer maps the FineTuneJob's
/// <c>spec.dataset</c> and objective onto this record; error messages name fields under <c>dataset.</c>.
/// </summary>
public sealed record DataOptions
{
    /// <summary>The training files; more than one is a multi-task mix weighted by <see cref="DatasetSource.Weight"/>.</summary>
    public required IReadOnlyList<DatasetSource> Sources { get; init; }

    /// <summary>
    /// A validation file (or folder) shared by all sources, in <see cref="Format"/>; it is reported under the name
    /// <c>validation</c>. Rows repeating a training row of any source are dropped from it.
    /// </summary>
    public string? Validation { get; init; }

    /// <summary>The format of sources that do not name their own.</summary>
    public DatasetFormat Format { get; init; } = DatasetFormat.Instruction;

    /// <summary>The longest example in tokens (BOS and EOS included); also the length of packed sequences.</summary>
    public int MaxSeqLength { get; init; } = 2048;

    /// <summary>Concatenate examples into sequences of exactly <see cref="MaxSeqLength"/> tokens.</summary>
    public bool Packing { get; init; }

    /// <summary>Compute the loss on the response only: prompt tokens get the label -100.</summary>
    public bool ResponseOnly { get; init; }

    /// <summary>The class names of the classification format; a row's label is one of them or an index into them.</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>The accepted JSON property names.</summary>
    public FieldNames Fields { get; init; } = new();

    /// <summary>The prompt layout of the instruction format.</summary>
    public PromptTemplate PromptTemplate { get; init; } = PromptTemplate.Alpaca;

    /// <summary>Trimming, dropping, truncation and augmentation.</summary>
    public PreprocessingOptions Preprocessing { get; init; } = new();

    /// <summary>The fraction (0..1) of rows held out for validation when a source has no validation file.</summary>
    public double ValidationSplit { get; init; }

    /// <summary>The seed of the validation split and the per-epoch order.</summary>
    public ulong Seed { get; init; }

    /// <summary>Shuffle the examples each epoch (seeded with <see cref="Seed"/> and the epoch number).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Start every example with the tokenizer's BOS token (unless the rendered text already begins with it).</summary>
    public bool AddBosToken { get; init; } = true;

    /// <summary>End every example with the tokenizer's EOS token (unless it already ends with it).</summary>
    public bool AddEosToken { get; init; } = true;

    /// <summary>Where padding goes in unpacked batches.</summary>
    public PaddingSide PaddingSide { get; init; } = PaddingSide.Right;

    /// <summary>The format of one source.</summary>
    public DatasetFormat FormatOf(DatasetSource source) => source.Format ?? Format;

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem, each naming its field.</summary>
    public void Validate()
    {
        var problems = Problems().ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid dataset options: " + string.Join("; ", problems), nameof(DataOptions));
        }
    }

    /// <summary>The problems with these options, each naming its field and what would be valid; empty when valid.</summary>
    public IEnumerable<string> Problems()
    {
        if (Sources.Count == 0)
        {
            yield return "dataset.train is required: give a JSONL file (or dataset.mix with at least one entry)";
        }

        for (var i = 0; i < Sources.Count; i++)
        {
            var source = Sources[i];
            if (string.IsNullOrWhiteSpace(source.Path))
            {
                yield return $"dataset.mix[{i}].path is required";
            }

            if (double.IsNaN(source.Weight) || double.IsInfinity(source.Weight) || source.Weight <= 0)
            {
                yield return $"dataset.mix[{i}].weight must be a positive number (got {source.Weight})";
            }
        }

        var names = Sources.GroupBy(s => s.DisplayName, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key);
        foreach (var name in names)
        {
            yield return $"dataset.mix has several sources named '{name}': give each a distinct name";
        }

        if (MaxSeqLength < 2)
        {
            yield return $"dataset.maxSeqLength must be at least 2 (got {MaxSeqLength})";
        }

        if (double.IsNaN(ValidationSplit) || ValidationSplit < 0 || ValidationSplit >= 1)
        {
            yield return $"dataset.validationSplit must be at least 0 and below 1 (got {ValidationSplit})";
        }

        var formats = Sources.Select(FormatOf).Distinct().ToList();
        if (Validation is not null && formats.Count == 1 && formats[0] != Format)
        {
            yield return $"dataset.validation is read as {Format} but the training data is {formats[0]}: give the validation data the training format";
        }

        if (Validation is not null && formats.Count > 1)
        {
            yield return "dataset.validation cannot serve a mix of formats: use dataset.validationSplit to hold out rows of each dataset";
        }

        if (formats.Contains(DatasetFormat.Classification))
        {
            if (formats.Count > 1)
            {
                yield return "dataset.mix mixes classification with generative formats: use one kind per job";
            }

            if (Labels.Count == 0)
            {
                yield return "objective.classification.labels is required for the classification format";
            }

            if (Labels.Distinct(StringComparer.Ordinal).Count() != Labels.Count)
            {
                yield return "objective.classification.labels must not repeat a label";
            }

            if (Packing)
            {
                yield return "dataset.packing cannot be used with the classification format: set it to false";
            }
        }

        if (Preprocessing.ReportedLinesPerReason < 0)
        {
            yield return $"dataset.preprocessing.reportedLinesPerReason must be 0 or more (got {Preprocessing.ReportedLinesPerReason})";
        }

        foreach (var problem in PromptTemplate.Validate("dataset.promptTemplate"))
        {
            yield return problem;
        }

        if (Preprocessing.Augmentation is { } augmentation)
        {
            foreach (var problem in augmentation.Validate("dataset.preprocessing.augmentation"))
            {
                yield return problem;
            }
        }
    }
}
