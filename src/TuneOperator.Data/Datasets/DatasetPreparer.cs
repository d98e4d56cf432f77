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
    /// <summary>Prepares all sources.</summary>
    /// <exception cref="ArgumentException">The options are invalid; the message names every bad field.</exception>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    public static PreparedDataset Prepare(DataOptions options, ITextTokenizer tokenizer, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var builder = new ExampleBuilder(tokenizer, options);
        var augmenter = options.Preprocessing.Augmentation is { } augmentation ? new TextAugmenter(augmentation) : null;
        var sources = new List<PreparedSource>();
        var trainReports = new List<SourceReport>();
        var validationReports = new List<SourceReport>();
        foreach (var source in options.Sources)
        {
            var parser = new RowParser(options.FormatOf(source), options.Fields, options.Labels, options.Preprocessing.Trim);
            var train = new List<TokenizedExample>();
            var validation = new List<TokenizedExample>();
            var firstSeen = new Dictionary<UInt128, DataLocation>();
            var holdOut = source.Validation is null && options.ValidationSplit > 0;
            var trainReport = new ReportBuilder(source.DisplayName, source.Path, "train", options.Preprocessing.ReportedLinesPerReason);
            foreach (var (row, location, hash) in Rows(source.Path, parser, options, trainReport, firstSeen, null, cancellationToken))
            {
                var isHeldOut = holdOut && new DeterministicRandom(options.Seed, (ulong)hash, 0x5EED5).NextDouble() < options.ValidationSplit;
                if (!Tokenize(builder, row, source.DisplayName, location, trainReport, isHeldOut, isHeldOut ? validation : train))
                {
                    continue;
                }

                if (augmenter is not null && !isHeldOut)
                {
                    foreach (var variant in augmenter.Variants(row, (ulong)hash))
                    {
                        var result = builder.Build(variant, source.DisplayName, location);
                        if (result.Example is { } example)
                        {
                            train.Add(example);
                            trainReport.Augment(example, result.Truncated);
                        }
                    }
                }
            }

            trainReports.Add(trainReport.Build());
            if (source.Validation is { } validationPath)
            {
                var validationReport = new ReportBuilder(source.DisplayName, validationPath, "validation", options.Preprocessing.ReportedLinesPerReason);
                var ownSeen = new Dictionary<UInt128, DataLocation>();
                foreach (var (row, location, _) in Rows(validationPath, parser, options, validationReport, ownSeen, firstSeen, cancellationToken))
                {
                    Tokenize(builder, row, source.DisplayName, location, validationReport, false, validation);
                }

                validationReports.Add(validationReport.Build());
            }

            sources.Add(new PreparedSource(source.DisplayName, source.Weight, train, validation));
        }

        var digest = DatasetDigest.Compute(options, cancellationToken);
        return new PreparedDataset(options, sources, new DataReport([.. trainReports, .. validationReports]), digest);
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
