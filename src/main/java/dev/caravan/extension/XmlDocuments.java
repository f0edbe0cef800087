package dev.caravan.extension;

import java.io.StringReader;
import javax.xml.XMLConstants;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParserFactory;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;
import org.xml.sax.helpers.DefaultHandler;

/** Whether a route file is XML at all, read as nothing but that: no DTD, no entity from anywhere. */
final class XmlDocuments {

    private XmlDocuments() {
    }

    /** @throws IllegalArgumentException saying where and why {@code content} is no well-formed XML */
    static void requireWellFormed(String content) {
        try {
            SAXParserFactory factory = SAXParserFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.newSAXParser().parse(new InputSource(new StringReader(content)), new DefaultHandler());
        } catch (SAXParseException e) {
            throw new IllegalArgumentException("no well-formed XML at line " + e.getLineNumber() + ", column "
                    + e.getColumnNumber() + ": " + e.getMessage());
        } catch (SAXException e) {
            throw new IllegalArgumentException("no well-formed XML: " + e.getMessage());
        } catch (ParserConfigurationException | java.io.IOException e) {
            throw new IllegalStateException("XML parser: " + e.getMessage(), e);
        }
    }
}
