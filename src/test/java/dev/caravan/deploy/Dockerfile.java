package dev.caravan.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** A Dockerfile read into stages of instructions: enough to check what the image it builds runs. */
final class Dockerfile {

    /** One instruction; {@code words} are its arguments split on blanks, flags such as --from included. */
    record Instruction(String keyword, String arguments, List<String> words) {

        /** The value of a flag such as {@code --from}, or {@code null}. */
        String flag(String name) {
            return words.stream().filter(w -> w.startsWith("--" + name + "=")).map(w -> w.substring(name.length() + 3))
                    .findFirst().orElse(null);
        }

        /** The arguments that are not flags. */
        List<String> operands() {
            return words.stream().filter(w -> !w.startsWith("--")).toList();
        }
    }

    /** From one FROM to the next. */
    record Stage(String image, String name, List<Instruction> instructions) {

        List<Instruction> all(String keyword) {
            return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
        }

        /** The working directory after the stage's last WORKDIR ({@code /} without one). */
        Path workdir() {
            Path workdir = Path.of("/");
            for (Instruction instruction : all("WORKDIR")) {
                workdir = workdir.resolve(instruction.arguments());
            }
            return workdir;
        }
    }

    private Dockerfile() {
    }

    static List<Stage> read(Path file) throws IOException {
        List<Stage> stages = new ArrayList<>();
        StringBuilder logical = new StringBuilder();
        for (String line : Files.readAllLines(file)) {
            if (logical.length() == 0 && (line.isBlank() || line.stripLeading().startsWith("#"))) {
                continue;
            }
            if (line.endsWith("\\")) {
                logical.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            logical.append(line);
            String text = logical.toString().strip();
            logical.setLength(0);
            int blank = text.indexOf(' ');
            String keyword = text.substring(0, blank < 0 ? text.length() : blank).toUpperCase(Locale.ROOT);
            String arguments = blank < 0 ? "" : text.substring(blank + 1).strip();
            List<String> words = Arrays.asList(arguments.split("\\s+"));
            if (keyword.equals("FROM")) {
                List<String> operands = words.stream().filter(w -> !w.startsWith("--")).toList();
                String name = operands.size() == 3 && operands.get(1).equalsIgnoreCase("AS") ? operands.get(2) : null;
                stages.add(new Stage(operands.get(0), name, new ArrayList<>()));
            } else if (stages.isEmpty()) {
                if (!keyword.equals("ARG")) {
                    throw new IllegalArgumentException(file + ": " + keyword + " before the first FROM");
                }
            } else {
                stages.get(stages.size() - 1).instructions().add(new Instruction(keyword, arguments, words));
            }
        }
        return stages;
    }
}
