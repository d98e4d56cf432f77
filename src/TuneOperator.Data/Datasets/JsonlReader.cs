using System.Text;

namespace TuneOperator.Data.Datasets;

/// <summary>Streams the lines of a JSONL file with their line numbers; the file is never loaded whole.</summary>
public static class JsonlReader
{
    /// <summary>Reads the lines of <paramref name="path"/> (UTF-8, a BOM is skipped; \n and \r\n endings).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist; the message names it.</exception>
    public static IEnumerable<JsonlLine> ReadLines(string path, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Dataset file '{path}' does not exist: check dataset.train, dataset.validation and dataset.mix[].train", path);
        }

        return ReadExisting(path, cancellationToken);
    }

    private static IEnumerable<JsonlLine> ReadExisting(string path, CancellationToken cancellationToken)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        using var reader = new StreamReader(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), detectEncodingFromByteOrderMarks: true);
        long number = 0;
        while (reader.ReadLine() is { } line)
        {
            cancellationToken.ThrowIfCancellationRequested();
            number++;
            yield return new JsonlLine(number, line);
        }
    }
}
