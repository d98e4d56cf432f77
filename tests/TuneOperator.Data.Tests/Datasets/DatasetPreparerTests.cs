using TuneOperator.Data.Datasets;
using Xunit;

namespace TuneOperator.Data.Tests.Datasets;

public sealed class DatasetPreparerTests
{
    private static readonly CharTokenizer Tokenizer = new();

    private static DataOptions Options(string path, DatasetFormat format = DatasetFormat.Instruction) => new()
    {
        Sources = [new DatasetSource(path)],
        Format = format,
        MaxSeqLength = 400,
    };

    [Fact]
    public void Every_drop_is_counted_by_reason_with_its_lines()
    {
        using var data = new TestData();
        var path = data.Write(
            "train.jsonl",
            """{"instruction":"a","output":"1"}""",
            """{"instruction":"b","output":"2"}""",
            """not json""",
            "",
            """{"instruction":"  ","output":"3"}""",
            """{"instruction":"a","output":" 1 "}""",
            """{"instruction":"c"}""",
            "{\"instruction\":\"d\",\"output\":\"" + new string('x', 500) + "\"}",
            """{"instruction":"e","output":7}""",
            """{"instruction":"f","output":"6"}""",
            """{"instruction":"b",   "output":"2"}""");

        var prepared = DatasetPreparer.Prepare(Options(path), Tokenizer, TestContext.Current.CancellationToken);

        var report = Assert.Single(prepared.Report.Files);
        Assert.Equal(11, report.RowsRead);
        Assert.Equal(3, report.RowsKept);
        Assert.Equal(3, prepared.Sources[0].Train.Count);
        Assert.Equal([1L, 2L, 10L], prepared.Sources[0].Train.Select(e => e.Location.Line));
        Assert.Equal(prepared.Sources[0].Train.Sum(e => e.Length), report.Tokens);

        Assert.Equal(
            [
                (DropReason.Empty, 2L, new long[] { 4, 5 }),
                (DropReason.Malformed, 3L, new long[] { 3, 7, 9 }),
                (DropReason.OverLong, 1L, new long[] { 8 }),
                (DropReason.Duplicate, 2L, new long[] { 6, 11 }),
            ],
            report.Drops.Select(d => (d.Reason, d.Count, d.First.Select(s => s.Location.Line).ToArray())));
        var drops = report.Drops.ToDictionary(d => d.Reason);
        Assert.Equal("blank line", drops[DropReason.Empty].First[0].Message);
        Assert.Equal("the instruction is empty", drops[DropReason.Empty].First[1].Message);
        Assert.Equal($"{path}:6: repeats the row at {path}:1", drops[DropReason.Duplicate].First[0].ToString());
        Assert.Equal($"{path}:9: field 'output' must be a string, found a number", drops[DropReason.Malformed].First[2].ToString());
        Assert.StartsWith("643 tokens exceed dataset.maxSeqLength 400", drops[DropReason.OverLong].First[0].Message, StringComparison.Ordinal);
        Assert.Equal(
            $"kept 3 of 11 rows ({report.Tokens} tokens); dropped 8: empty 2 ({path}:4, {path}:5), malformed 3 ({path}:3, {path}:7, {path}:9), overlong 1 ({path}:8), duplicate 2 ({path}:6, {path}:11)",
            prepared.Report.Summary());
    }

    [Fact]
    public void Only_the_first_few_lines_are_kept_per_reason()
    {
        using var data = new TestData();
        var path = data.Write("t.jsonl", [.. Enumerable.Range(0, 20).Select(_ => "{}")]);
        var options = Options(path, DatasetFormat.Completion) with { Preprocessing = new PreprocessingOptions { ReportedLinesPerReason = 2 } };

        var report = DatasetPreparer.Prepare(options, Tokenizer, TestContext.Current.CancellationToken).Report;

        var malformed = Assert.Single(report.Drops());
        Assert.Equal(20, malformed.Count);
        Assert.Equal([1L, 2L], malformed.First.Select(s => s.Location.Line));
        Assert.Equal(20, report.Dropped(DropReason.Malformed));
    }

    [Fact]
    public void Duplicates_and_empties_can_be_kept()
    {
        using var data = new TestData();
        var path = data.Write("t.jsonl", """{"text":"a"}""", """{"text":"a"}""", """{"text":""}""");
        var options = Options(path, DatasetFormat.Classification) with
        {
            Labels = ["x"],
            Preprocessing = new PreprocessingOptions { DropDuplicates = false, DropEmpty = false },
        };
        File.WriteAllLines(path, ["""{"text":"a","label":0}""", """{"text":"a","label":0}""", """{"text":"","label":0}"""]);

        var prepared = DatasetPreparer.Prepare(options, Tokenizer, TestContext.Current.CancellationToken);

        Assert.Equal(3, prepared.Sources[0].Train.Count);
        Assert.Equal(0, prepared.Report.DroppedTotal);
    }

    [Fact]
    public void Trimming_applies_before_rendering()
    {
        using var data = new TestData();
        var path = data.Write("t.jsonl", """{"text":"  hello \n"}""");

        var example = DatasetPreparer.Prepare(Options(path, DatasetFormat.Completion), Tokenizer, TestContext.Current.CancellationToken).Sources[0].Train[0];

        Assert.Equal("<s>hello</s>", Tokenizer.Decode(example.InputIds));
    }

    [Fact]
    public void Truncated_rows_are_counted_and_kept()
    {
        using var data = new TestData();
        var path = data.Write("t.jsonl", """{"text":"abcdefgh"}""", """{"text":"ab"}""");
        var options = Options(path, DatasetFormat.Completion) with { MaxSeqLength = 5, Preprocessing = new PreprocessingOptions { TruncateOverLong = true } };

        var prepared = DatasetPreparer.Prepare(options, Tokenizer, TestContext.Current.CancellationToken);

        Assert.Equal([5, 4], prepared.Sources[0].Train.Select(e => e.Length));
        Assert.Equal(1, prepared.Report.Files[0].RowsTruncated);
        Assert.Equal(9, prepared.Report.Tokens);
    }

    [Fact]
    public void The_validation_split_is_stable_and_close_to_the_fraction()
    {
        using var data = new TestData();
        var lines = Enumerable.Range(0, 1000).Select(i => $$"""{"text":"row {{i}}"}""").ToArray();
        var path = data.Write("t.jsonl", lines);
        var options = Options(path, DatasetFormat.Completion) with { ValidationSplit = 0.2, Seed = 7 };

        var first = DatasetPreparer.Prepare(options, Tokenizer, TestContext.Current.CancellationToken);
        var again = DatasetPreparer.Prepare(options, Tokenizer, TestContext.Current.CancellationToken);
        var reordered = DatasetPreparer.Prepare(options with { Sources = [new DatasetSource(data.Write("r.jsonl", [.. lines.Reverse()]), Name: "t")] }, Tokenizer, TestContext.Current.CancellationToken);
        var otherSeed = DatasetPreparer.Prepare(options with { Seed = 8 }, Tokenizer, TestContext.Current.CancellationToken);

        string[] Held(PreparedDataset p) => [.. p.Sources[0].Validation.Select(e => Tokenizer.Decode(e.InputIds)).Order(StringComparer.Ordinal)];
        Assert.InRange(first.Sources[0].Validation.Count, 150, 250);
        Assert.Equal(1000, first.Sources[0].Validation.Count + first.Sources[0].Train.Count);
        Assert.Equal(first.Sources[0].Validation.Count, first.Report.Files[0].RowsHeldOut);
        Assert.Equal(Held(first), Held(again));
        Assert.Equal(Held(first), Held(reordered));
        Assert.NotEqual(Held(first), Held(otherSeed));
        Assert.Empty(Held(first).Intersect(first.Sources[0].Train.Select(e => Tokenizer.Decode(e.InputIds))));
    }

    [Fact]
    public void A_validation_file_replaces_the_split_and_loses_rows_seen_in_training()
    {
        using var data = new TestData();
        var train = data.Write("train.jsonl", """{"text":"a"}""", """{"text":"b"}""");
        var validation = data.Write("valid.jsonl", """{"text":"c"}""", """{"text":" a "}""", """{"text":"c"}""");
        var options = Options(train, DatasetFormat.Completion) with { Sources = [new DatasetSource(train, Validation: validation)], ValidationSplit = 0.5 };

        var prepared = DatasetPreparer.Prepare(options, Tokenizer, TestContext.Current.CancellationToken);

        Assert.Equal(2, prepared.Sources[0].Train.Count);
        Assert.Equal(["<s>c</s>"], prepared.Validation.Select(e => Tokenizer.Decode(e.InputIds)));
        var report = prepared.Report.Files[1];
        Assert.Equal(("validation", validation, 3L, 1L), (report.Split, report.File, report.RowsRead, report.RowsKept));
        Assert.Equal(
            [$"{validation}:2: repeats the training row at {train}:1", $"{validation}:3: repeats the row at {validation}:1"],
            report.Drops.Single().First.Select(s => s.ToString()));
    }

    [Fact]
    public void Augmented_variants_follow_their_row_and_are_reported()
    {
        using var data = new TestData();
        var path = data.Write("t.jsonl", """{"text":"he is a doctor","label":"a"}""", """{"text":"it rains","label":"b"}""");
        var options = Options(path, DatasetFormat.Classification) with
        {
            Labels = ["a", "b"],
            Preprocessing = new PreprocessingOptions
            {
                Augmentation = new AugmentationOptions { VariantsPerRow = 0, CounterfactualPairs = [new TermPair("he", "she")] },
            },
        };

        var prepared = DatasetPreparer.Prepare(options, Tokenizer, TestContext.Current.CancellationToken);

        Assert.Equal(["<s>he is a doctor</s>", "<s>she is a doctor</s>", "<s>it rains</s>"], prepared.Sources[0].Train.Select(e => Tokenizer.Decode(e.InputIds)));
        Assert.Equal([0, 0, 1], prepared.Sources[0].Train.Select(e => e.ClassLabel!.Value));
        Assert.Equal(1, prepared.Report.RowsAugmented);
        Assert.Equal(2, prepared.Report.RowsKept);
    }

    [Fact]
    public void Invalid_options_name_their_fields()
    {
        var options = new DataOptions
        {
            Sources = [new DatasetSource("a.jsonl", Weight: 0)],
            Format = DatasetFormat.Classification,
            MaxSeqLength = 1,
            ValidationSplit = 1,
            Packing = true,
            PromptTemplate = new PromptTemplate { WithoutInput = "no placeholder" },
        };

        var error = Assert.Throws<ArgumentException>(() => DatasetPreparer.Prepare(options, Tokenizer, TestContext.Current.CancellationToken));

        Assert.Contains("dataset.mix[0].weight must be a positive number (got 0)", error.Message, StringComparison.Ordinal);
        Assert.Contains("dataset.maxSeqLength must be at least 2 (got 1)", error.Message, StringComparison.Ordinal);
        Assert.Contains("dataset.validationSplit must be at least 0 and below 1 (got 1)", error.Message, StringComparison.Ordinal);
        Assert.Contains("objective.classification.labels is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("dataset.packing cannot be used with the classification format", error.Message, StringComparison.Ordinal);
        Assert.Contains("dataset.promptTemplate.withoutInput must contain {instruction}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_is_read_file_by_file_in_name_order_with_a_report_each()
    {
        using var data = new TestData();
        var b = data.Write("b.jsonl", """{"text":"two"}""", """{"text":"one"}""");
        var a = data.Write("a.jsonl", """{"text":"one"}""");
        data.Write("notes.txt", "ignored");
        var folder = Path.GetDirectoryName(a)!;

        var prepared = DatasetPreparer.Prepare(Options(folder, DatasetFormat.Completion), Tokenizer, TestContext.Current.CancellationToken);

        Assert.Equal(["<s>one</s>", "<s>two</s>"], prepared.Sources[0].Train.Select(e => Tokenizer.Decode(e.InputIds)));
        Assert.Equal([a, b], prepared.Report.Files.Select(f => f.File));
        Assert.Equal($"{b}:2: repeats the row at {a}:1", prepared.Report.Files[1].Drops.Single().First.Single().ToString());
    }

    [Fact]
    public void An_empty_folder_or_missing_file_is_named()
    {
        using var data = new TestData();
        var folder = Path.GetDirectoryName(data.Write("readme.txt", "x"))!;

        var empty = Assert.Throws<FileNotFoundException>(() => DatasetPreparer.Prepare(Options(folder), Tokenizer, TestContext.Current.CancellationToken));
        var missing = Assert.Throws<FileNotFoundException>(() => DatasetPreparer.Prepare(Options(folder + "/none.jsonl"), Tokenizer, TestContext.Current.CancellationToken));

        Assert.Contains("holds no *.jsonl file", empty.Message, StringComparison.Ordinal);
        Assert.Contains("none.jsonl' does not exist", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_rows_stop_preparation_when_they_may_not_be_dropped()
    {
        using var data = new TestData();
        var path = data.Write("t.jsonl", """{"text":"ok"}""", """{"text":1}""");
        var options = Options(path, DatasetFormat.Completion) with { Preprocessing = new PreprocessingOptions { DropMalformed = false } };

        var error = Assert.Throws<InvalidDataException>(() => DatasetPreparer.Prepare(options, Tokenizer, TestContext.Current.CancellationToken));

        Assert.Equal($"{path}:2: field 'text' must be a string, found a number; fix the row or set dataset.preprocessing.dropMalformed to true", error.Message);
    }

    [Fact]
    public void A_shared_validation_file_serves_every_source_and_drops_training_rows()
    {
        using var data = new TestData();
        var first = data.Write("first.jsonl", """{"text":"a"}""");
        var second = data.Write("second.jsonl", """{"text":"b"}""");
        var validation = data.Write("valid.jsonl", """{"text":"b"}""", """{"text":"c"}""");
        var options = Options(first, DatasetFormat.Completion) with
        {
            Sources = [new DatasetSource(first), new DatasetSource(second)],
            Validation = validation,
            ValidationSplit = 0.5,
        };

        var prepared = DatasetPreparer.Prepare(options, Tokenizer, TestContext.Current.CancellationToken);

        Assert.Equal([1, 1], prepared.Sources.Select(s => s.Train.Count));
        Assert.Equal(["<s>c</s>"], prepared.Validation.Select(e => Tokenizer.Decode(e.InputIds)));
        var report = prepared.Report.Files[^1];
        Assert.Equal((DatasetPreparer.SharedValidationName, "validation", 1L), (report.Source, report.Split, report.Dropped(DropReason.Duplicate)));
    }
}
