namespace TuneOperator.Data.Tests.Datasets;

/// <summary>A temporary folder for JSONL files, deleted on dispose.</summary>
internal sealed class TestData : IDisposable
{
    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("tune-data-");

    public string Write(string name, params string[] lines)
    {
        var path = Path.Combine(directory.FullName, name);
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        return path;
    }

    public void Dispose() => directory.Delete(recursive: true);
}
