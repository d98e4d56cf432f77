using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace TuneOperator.Api.Crds;

/// <summary>The XML documentation comments of an assembly, rendered as plain text for schema descriptions.</summary>
public sealed partial class XmlDocumentation
{
    private readonly Dictionary<string, string> _summaries;

    /// <summary>Creates the documentation from the XML documentation file's content.</summary>
    public XmlDocumentation(XDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        _summaries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var member in document.Descendants("member"))
        {
            var name = member.Attribute("name")?.Value;
            var summary = member.Element("summary");
            if (name is not null && summary is not null)
            {
                _summaries[name] = Render(summary);
            }
        }
    }

    /// <summary>Loads the documentation file that the build writes next to <paramref name="assembly"/>.</summary>
    /// <exception cref="FileNotFoundException">The file is missing (GenerateDocumentationFile is off).</exception>
    public static XmlDocumentation For(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var path = Path.ChangeExtension(assembly.Location, ".xml");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"The XML documentation of {assembly.GetName().Name} was not found at {path}; build the project with GenerateDocumentationFile enabled.",
                path);
        }

        return new XmlDocumentation(XDocument.Load(path));
    }

    /// <summary>The summary of a type, or null.</summary>
    public string? Of(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return _summaries.GetValueOrDefault("T:" + type.FullName?.Replace('+', '.'));
    }

    /// <summary>The summary of a property, or null.</summary>
    public string? Of(PropertyInfo property)
    {
        ArgumentNullException.ThrowIfNull(property);
        var declaring = property.DeclaringType?.FullName?.Replace('+', '.');
        return _summaries.GetValueOrDefault("P:" + declaring + "." + property.Name);
    }

    /// <summary>The summary of an enum member, or null.</summary>
    public string? Of(FieldInfo field)
    {
        ArgumentNullException.ThrowIfNull(field);
        var declaring = field.DeclaringType?.FullName?.Replace('+', '.');
        return _summaries.GetValueOrDefault("F:" + declaring + "." + field.Name);
    }

    private static string Render(XElement element)
    {
        var text = new StringBuilder();
        foreach (var node in element.Nodes())
        {
            switch (node)
            {
                case XText t:
                    text.Append(t.Value);
                    break;
                case XElement { Name.LocalName: "see" or "seealso" } see:
                    var reference = see.Attribute("cref")?.Value ?? see.Attribute("langword")?.Value ?? see.Value;
                    text.Append(reference[(reference.LastIndexOf('.') + 1)..]);
                    break;
                case XElement { Name.LocalName: "paramref" or "typeparamref" } param:
                    text.Append(param.Attribute("name")?.Value);
                    break;
                case XElement inner:
                    text.Append(Render(inner));
                    break;
                default:
                    break;
            }
        }

        return Whitespace().Replace(text.ToString(), " ").Trim();
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
