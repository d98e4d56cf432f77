namespace TuneOperator.Data.Datasets;

/// <summary>Resolves a dataset location on disk: a JSONL file, or a folder whose <c>*.jsonl</c> files are read in name order.</summary>
public static class DatasetFiles
{
    /// <summary>The files of <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">Nothing exists at the path, or a folder holds no <c>*.jsonl</c> file.</exception>
    public static IReadOnlyList<string> Resolve(string path)
    {
        if (File.Exists(path))
        {
            return [path];
        }

        if (Directory.Exists(path))
        {
            var files = Directory.GetFiles(path, "*.jsonl", SearchOption.TopDirectoryOnly).Order(StringComparer.Ordinal).ToList();
            return files.Count > 0
                ? files
                : throw new FileNotFoundException($"Dataset folder '{path}' holds no *.jsonl file: put the data in files ending in .jsonl", path);
        }

        throw new FileNotFoundException($"Dataset file '{path}' does not exist: check dataset.train, dataset.validation and dataset.mix[].train", path);
    }
}
