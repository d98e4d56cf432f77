// An MSBuild task (compiled by RoslynCodeTaskFactory) that marks one version-need entry of an ELF
// shared library weak (VER_FLG_WEAK). TorchSharp's libLibTorchSharp.so is linked against a newer
// libstdc++ than Debian 12 ships: it asks for GLIBCXX_3.4.32 only for `std::ios_base_library_init`,
// a symbol it never calls. With that need marked weak the dynamic loader accepts the library.
// The file is patched in place and the task is idempotent.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class MarkElfVersionNeedWeak : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    [Required]
    public string LibraryPath { get; set; } = "";

    [Required]
    public string VersionName { get; set; } = "";

    public override bool Execute()
    {
        if (!File.Exists(LibraryPath))
        {
            return true;
        }

        var bytes = File.ReadAllBytes(LibraryPath);
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F' || bytes[4] != 2 || bytes[5] != 1)
        {
            Log.LogError("{0} is not a little-endian 64-bit ELF file.", LibraryPath);
            return false;
        }

        var shoff = (long)BitConverter.ToUInt64(bytes, 0x28);
        int shentsize = BitConverter.ToUInt16(bytes, 0x3A);
        int shnum = BitConverter.ToUInt16(bytes, 0x3C);
        var changed = false;
        var found = false;
        for (var i = 0; i < shnum; i++)
        {
            var sh = shoff + (i * shentsize);
            if (BitConverter.ToUInt32(bytes, (int)sh + 4) != ShtGnuVerneed)
            {
                continue;
            }

            var offset = (long)BitConverter.ToUInt64(bytes, (int)sh + 0x18);
            var link = BitConverter.ToUInt32(bytes, (int)sh + 0x28);
            var count = BitConverter.ToUInt32(bytes, (int)sh + 0x2C);
            var strSh = shoff + (link * shentsize);
            var strOffset = (long)BitConverter.ToUInt64(bytes, (int)strSh + 0x18);

            var need = offset;
            for (var n = 0; n < count; n++)
            {
                int auxCount = BitConverter.ToUInt16(bytes, (int)need + 2);
                var aux = need + BitConverter.ToUInt32(bytes, (int)need + 8);
                for (var a = 0; a < auxCount; a++)
                {
                    var nameOffset = BitConverter.ToUInt32(bytes, (int)aux + 8);
                    if (ReadCString(bytes, strOffset + nameOffset) == VersionName)
                    {
                        found = true;
                        var flags = BitConverter.ToUInt16(bytes, (int)aux + 4);
                        if ((flags & VerFlgWeak) == 0)
                        {
                            BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(bytes, (int)aux + 4);
                            changed = true;
                        }
                    }

                    aux += BitConverter.ToUInt32(bytes, (int)aux + 12);
                }

                need += BitConverter.ToUInt32(bytes, (int)need + 12);
            }
        }

        if (changed)
        {
            var temp = LibraryPath + ".patching";
            File.WriteAllBytes(temp, bytes);
            File.Copy(temp, LibraryPath, true);
            File.Delete(temp);
            Log.LogMessage(MessageImportance.Normal, "Marked the {0} version need of {1} weak.", VersionName, LibraryPath);
        }
        else if (!found)
        {
            Log.LogMessage(MessageImportance.Low, "{0} does not need {1}; nothing to patch.", LibraryPath, VersionName);
        }

        return true;
    }

    private static string ReadCString(byte[] bytes, long start)
    {
        var end = start;
        while (end < bytes.Length && bytes[end] != 0)
        {
            end++;
        }

        return Encoding.ASCII.GetString(bytes, (int)start, (int)(end - start));
    }
}
