using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using TuneOperator.Data.Tokenization;

namespace TuneOperator.Data.Datasets;

/// <summary>
/// Reads, cleans, splits, augments and tokenises the files of <see cref="DataOptions"/>. Per row, in this order: parse
/// (malformed and blank lines dropped), empty check, duplicate check, validation split, tokenisation (over-long rows
/// dropped or truncated), then augmented variants of training rows. Every drop is counted by reason with the first few
/// file:line locations in the <see cref="DataReport"/>.
/// </summary>
public static class DatasetPreparer
{
    /// <summary>The name under which the shared validation file (<see cref="DataOptions.Validation"/>) is reported.</summary>
    public const string SharedValidationName = "validation";

    /// <summary>Prepares all sources.</summary>
    /// <exception cref="ArgumentException">The options are invalid; the message names every bad field.</exception>
    /// <exception cref="FileNotFoundException">A file or folder does not exist.</exception>
    /// <exception cref="InvalidDataException">A row is malformed and <see cref="PreprocessingOptions.DropMalformed"/> is false.</exception>
    public static PreparedDataset Prepare(DataOptions options, ITextTokenizer tokenizer, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var builder = new ExampleBuilder(tokenizer, options);
        var augmenter = options.Preprocessing.Augmentation is { } augmentation ? new TextAugmenter(augmentation) : null;
        var samples = options.Preprocessing.ReportedLinesPerReason;
        var sources = new List<PreparedSource>();
        var trainReports = new List<SourceReport>();
        var validationReports = new List<SourceReport>();
        var allTraining = new Dictionary<UInt128, DataLocation>();
        foreach (var source in options.Sources)
        {
            var name = source.DisplayName;
            var parser = new RowParser(options.FormatOf(source), options.Fields, options.Labels, options.Preprocessing.Trim);
            var train = new List<TokenizedExample>();
            var validation = new List<TokenizedExample>();
            var firstSeen = new Dictionary<UInt128, DataLocation>();
            var holdOut = source.Validation is null && options.Validation is null && options.ValidationSplit > 0;
            foreach (var file in DatasetFiles.Resolve(source.Path))
            {
                var report = new ReportBuilder(name, file, "train", samples);
                foreach (var (row, location, hash) in Rows(file, parser, options, report, firstSeen, null, cancellationToken))
                {
                    var isHeldOut = holdOut && new DeterministicRandom(options.Seed, (ulong)hash, 0x5EED5).NextDouble() < options.ValidationSplit;
                    if (!Tokenize(builder, row, name, location, report, isHeldOut, isHeldOut ? validation : train) || isHeldOut || augmenter is null)
                    {
                        continue;
                    }

                    foreach (var variant in augmenter.Variants(row, (ulong)hash))
                    {
                        var result = builder.Build(variant, name, location);
                        if (result.Example is { } example)
                        {
                            train.Add(example);
                            report.Augment(example, result.Truncated);
                        }
                    }
                }

                trainReports.Add(report.Build());
            }

            if (source.Validation is { } validationPath)
            {
                validationReports.AddRange(ReadValidation(validationPath, name, parser, builder, options, firstSeen, validation, cancellationToken));
            }

            foreach (var (hash, location) in firstSeen)
            {
                allTraining.TryAdd(hash, location);
            }

            sources.Add(new PreparedSource(name, source.Weight, train, validation));
        }

        var shared = new List<TokenizedExample>();
        if (options.Validation is { } sharedPath)
        {
            var parser = new RowParser(options.Format, options.Fields, options.Labels, options.Preprocessing.Trim);
            validationReports.AddRange(ReadValidation(sharedPath, SharedValidationName, parser, builder, options, allTraining, shared, cancellationToken));
        }

        var digest = DatasetDigest.Compute(options, cancellationToken);
        return new PreparedDataset(options, sources, shared, new DataReport([.. trainReports, .. validationReports]), digest);
    }

    private static List<SourceReport> ReadValidation(
        string path,
        string name,
        RowParser parser,
        ExampleBuilder builder,
        DataOptions options,
        Dictionary<UInt128, DataLocation> training,
        List<TokenizedExample> into,
        CancellationToken cancellationToken)
    {
        var reports = new List<SourceReport>();
        var seen = new Dictionary<UInt128, DataLocation>();
        foreach (var file in DatasetFiles.Resolve(path))
        {
            var report = new ReportBuilder(name, file, "validation", options.Preprocessing.ReportedLinesPerReason);
            foreach (var (row, location, _) in Rows(file, parser, options, report, seen, training, cancellationToken))
            {
                Tokenize(builder, row, name, location, report, false, into);
            }

            reports.Add(report.Build());
        }

        return reports;
    }

    /// <summary>The content hash of a row (SHA-256 of its normalised key), used for duplicates, the split and augmentation.</summary>
    public static UInt128 RowHash(DataRow row) =>
        BinaryPrimitives.ReadUInt128LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(row.NormalizedKey())));

    private static bool Tokenize(ExampleBuilder builder, DataRow row, string source, DataLocation location, ReportBuilder report, bool isHeldOut, List<TokenizedExample> into)
    {
        var result = builder.Build(row, source, location);
        if (result.Example is not { } example)
        {
            report.Drop(result.Reason!.Value, location, result.Message!);
            return false;
        }

        into.Add(example);
        report.Keep(example, result.Truncated, isHeldOut);
        return true;
    }

    /// <summary>Parsed rows that pass the empty and duplicate checks; drops are counted in <paramref name="report"/>.</summary>
    private static IEnumerable<(DataRow Row, DataLocation Location, UInt128 Hash)> Rows(
        string path,
        RowParser parser,
        DataOptions options,
        ReportBuilder report,
        Dictionary<UInt128, DataLocation> seen,
        Dictionary<UInt128, DataLocation>? training,
        CancellationToken cancellationToken)
    {
        foreach (var line in JsonlReader.ReadLines(path, cancellationToken))
        {
            report.Read();
            var location = new DataLocation(path, line.Number);
            var parsed = parser.Parse(line.Text);
            if (parsed.Row is not { } row)
            {
                if (parsed.Reason == DropReason.Malformed && !options.Preprocessing.DropMalformed)
                {
                    throw new InvalidDataException($"{location}: {parsed.Message}; fix the row or set dataset.preprocessing.dropMalformed to true");
                }

                report.Drop(parsed.Reason!.Value, location, parsed.Message!);
                continue;
            }

            if (options.Preprocessing.DropEmpty && row.IsEmpty)
            {
                report.Drop(DropReason.Empty, location, EmptyMessage(row));
                continue;
            }

            var hash = RowHash(row);
            if (options.Preprocessing.DropDuplicates)
            {
                if (training is not null && training.TryGetValue(hash, out var inTraining))
                {
                    report.Drop(DropReason.Duplicate, location, $"repeats the training row at {inTraining}");
                    continue;
                }

                if (!seen.TryAdd(hash, location))
                {
                    report.Drop(DropReason.Duplicate, location, $"repeats the row at {seen[hash]}");
                    continue;
                }
            }

            yield return (row, location, hash);
        }
    }

    private static string EmptyMessage(DataRow row) => row switch
    {
        InstructionRow { Instruction.Length: 0 } => "the instruction is empty",
        InstructionRow => "the output is empty",
        ChatRow { Messages.Count: 0 } => "the conversation has no messages",
        ChatRow => "every message is empty",
        _ => "the text is empty",
    };
}
