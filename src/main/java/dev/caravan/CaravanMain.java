package dev.caravan;

import dev.caravan.cli.CaravanOptions;
import dev.caravan.cli.UsageException;

/** The command line: {@code java -jar caravan.jar --manifests DIR [options]}. */
public final class CaravanMain {

    private CaravanMain() {
    }

    public static void main(String[] args) throws Exception {
        CaravanOptions options;
        try {
            options = CaravanOptions.parse(args, System.getProperties(), System.getenv());
            if (options.help()) {
                System.out.print(CaravanOptions.helpText());
                return;
            }
            if (options.version()) {
                System.out.println("caravan " + version());
                return;
            }
            options.requireRunnable();
        } catch (UsageException e) {
            System.err.println("caravan: " + e.getMessage());
            System.exit(2);
            return;
        }
        new Caravan(options).run();
    }

    static String version() {
        String version = CaravanMain.class.getPackage().getImplementationVersion();
        return version == null ? "development build" : version;
    }
}
