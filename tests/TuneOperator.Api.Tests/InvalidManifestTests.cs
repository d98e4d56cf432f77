using TuneOperator.Api.Validation;
using Xunit;

namespace TuneOperator.Api.Tests;

public sealed class InvalidManifestTests
{
    public static TheoryData<string> Manifests() =>
        new(Directory.GetFiles(RepoPaths.InvalidManifests, "*.yaml").Select(Path.GetFileName).Order()!);

    [Fact]
    public void There_are_at_least_twenty_invalid_manifests()
    {
        Assert.True(Manifests().Count >= 20);
    }

    [Theory]
    [MemberData(nameof(Manifests))]
    public void Invalid_manifest_is_rejected_naming_its_field(string file)
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.InvalidManifests, file));
        var field = ExpectedField(text, file);
        var (resource, errors) = ResourceValidator.ReadAndValidate(text);

        Assert.NotEmpty(errors);
        Assert.True(errors.Any(e => e.Field == field),
            $"{file}: expected an error on {field}, got:\n" + string.Join("\n", errors));
        Assert.All(errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Message)));
        _ = resource;
    }

    internal static string ExpectedField(string text, string file)
    {
        var first = text.Split('\n')[0];
        const string prefix = "# field: ";
        Assert.True(first.StartsWith(prefix, StringComparison.Ordinal), $"{file} must start with '{prefix}<path>'");
        return first[prefix.Length..].Trim();
    }
}
